package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testbed.EtcdServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A store whose client port speaks TLS only: reached with its CA, with etcd authentication on top. */
class ContextStoreTlsIT {
  private static EtcdServer etcd;
  private static StoreConfig tls;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.startWithTls();
    tls = StoreConfig.of(etcd.endpoint()).withTls(etcd.caFile(), null, null);
    try (ContextStore admin = ContextStore.connect(tls)) {
      TenantAccess access = new TenantAccess(admin);
      access.ensureRootUser("root-secret");
      access.grantOperator("tether-operator", "operator-secret");
      access.grantTenant("team-a", "tenant-a", "secret-a");
      access.enableAuth();
    }
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void withTheCaTheOperatorAndATenantWorkAndTheTenantStaysInItsNamespace() {
    SessionKey a = SessionKey.of("team-a", "agent");
    try (ContextStore operator = ContextStore.connect(tls.withCredentials("tether-operator", "operator-secret"));
         ContextStore tenant = ContextStore.connect(tls.withCredentials("tenant-a", "secret-a"))) {
      operator.advanceEpoch(a, 1);
      assertThat(tenant.commit(a, 1, ContextStoreIT.manifest(1, 1))).isInstanceOf(CommitResult.Committed.class);
      assertThat(operator.manifests(a)).hasSize(1);
      assertThatThrownBy(() -> tenant.epoch(SessionKey.of("team-b", "agent")))
          .isInstanceOf(StoreAccessDeniedException.class);
    }
  }

  @Test
  void withoutTheCaOrInPlaintextNothingConnects() {
    StoreConfig untrusted = StoreConfig.of(etcd.endpoint()).withCredentials("tether-operator", "operator-secret")
        .withOperationTimeout(Duration.ofSeconds(3));
    StoreConfig plaintext = StoreConfig.of(etcd.endpoint().replace("https://", "http://"))
        .withCredentials("tether-operator", "operator-secret").withOperationTimeout(Duration.ofSeconds(3));
    for (StoreConfig config : new StoreConfig[] {untrusted, plaintext}) {
      try (ContextStore store = ContextStore.connect(config)) {
        assertThatThrownBy(() -> store.epoch(SessionKey.of("team-a", "agent"))).as("%s", config.endpoints())
            .isInstanceOf(StoreUnavailableException.class);
      }
    }
  }
}
