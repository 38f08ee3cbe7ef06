package dev.tether.operator.checkpoint;

import dev.tether.store.ContextStore;
import dev.tether.store.StoreAccessDeniedException;
import dev.tether.store.StoreUnavailableException;
import dev.tether.store.TenantAccess;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns authentication on in an etcd that the operator was given for its own (the chart's quick-start etcd):
 * the {@code root} user, the operator's own user with read-write on every session, then auth enabled. Every
 * step is idempotent, and a later start finds auth already on and only makes sure of the operator's user.
 */
final class AuthBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(AuthBootstrap.class);
  /** How long to wait for etcd to answer at all (it may start after the operator): within the startup probe. */
  static final Duration WAIT_FOR_ETCD = Duration.ofSeconds(90);

  private AuthBootstrap() {}

  static void run(CheckpointStoreSettings settings) {
    Instant deadline = Instant.now().plus(WAIT_FOR_ETCD);
    while (true) {
      try {
        once(settings);
        return;
      } catch (StoreUnavailableException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        LOG.info("etcd not reachable yet for the authentication bootstrap: {}", e.getMessage());
        pause();
      }
    }
  }

  private static void once(CheckpointStoreSettings settings) {
    try (ContextStore anonymous = ContextStore.connect(settings.anonymousStoreConfig())) {
      TenantAccess access = new TenantAccess(anonymous);
      access.ensureRootUser(settings.adminPassword());
      access.grantOperator(settings.username(), settings.password());
      access.enableAuth();
      LOG.info("etcd authentication enabled; the operator connects as {}", settings.username());
      return;
    } catch (StoreAccessDeniedException alreadyOn) {
      // Anonymous clients are refused: authentication is on already.
    }
    try (ContextStore root = ContextStore.connect(settings.adminStoreConfig())) {
      new TenantAccess(root).grantOperator(settings.username(), settings.password());
      LOG.info("etcd authentication already enabled; the operator connects as {}", settings.username());
    }
  }

  private static void pause() {
    try {
      Thread.sleep(2_000); // a retry interval for a server that is still starting, not a synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }
}
