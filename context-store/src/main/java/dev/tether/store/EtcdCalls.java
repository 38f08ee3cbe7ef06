package dev.tether.store;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for an etcd call with the operation timeout and turns its failure into a {@link StoreException}. */
final class EtcdCalls {
  private final Duration timeout;

  EtcdCalls(Duration timeout) {
    this.timeout = timeout;
  }

  <T> T await(String what, CompletableFuture<T> call) {
    try {
      return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new StoreUnavailableException(what + ": etcd did not answer within " + timeout, e);
    } catch (ExecutionException e) {
      throw translate(what, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(true);
      throw new StoreUnavailableException(what + ": interrupted", e);
    }
  }

  static StoreException translate(String what, Throwable failure) {
    String message = what + ": " + failure.getMessage();
    Status.Code code = code(failure);
    String text = String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED
        || text.contains("permission denied") || text.contains("authentication failed")
        || text.contains("user name is empty") || text.contains("invalid auth token")) {
      return new StoreAccessDeniedException(message, failure);
    }
    if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION
        || code == Status.Code.OUT_OF_RANGE || code == Status.Code.ALREADY_EXISTS) {
      return new StoreException(message, failure);
    }
    // Connection refused, reset, deadline, leader loss, client closed: all mean "not reachable now".
    return new StoreUnavailableException(message, failure);
  }

  private static Status.Code code(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EtcdException etcd) {
        return Status.Code.valueOf(etcd.getErrorCode().name());
      }
    }
    return Status.fromThrowable(failure).getCode();
  }
}
