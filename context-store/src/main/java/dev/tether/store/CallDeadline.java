package dev.tether.store;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary etcd call a gRPC deadline, so that gRPC itself abandons it (rather than only our future
 * timing out while the request still waits to be sent). Streaming calls (watches) live on.
 */
final class CallDeadline implements ClientInterceptor {
  private final long millis;

  CallDeadline(Duration timeout) {
    this.millis = timeout.toMillis();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
      options = options.withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    }
    return next.newCall(method, options);
  }
}
