package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.testbed.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** etcd RBAC keeps each namespace's credentials inside that namespace's prefix. */
class TenantAccessIT {
  private static EtcdServer etcd;
  private static StoreConfig plain;

  @BeforeAll
  static void enableAuth() {
    etcd = EtcdServer.start();
    plain = StoreConfig.of(etcd.endpoint());
    try (ContextStore admin = ContextStore.connect(plain)) {
      TenantAccess access = new TenantAccess(admin);
      access.ensureRootUser("root-secret");
      access.grantOperator("tether-operator", "operator-secret");
      access.grantTenant("team-a", "tenant-a", "secret-a");
      access.grantTenant("team-b", "tenant-b", "secret-b");
      access.enableAuth();
    }
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void tenantsReachOnlyTheirOwnNamespace() {
    SessionKey a = SessionKey.of("team-a", "agent");
    SessionKey b = SessionKey.of("team-b", "agent");
    try (ContextStore operator = ContextStore.connect(plain.withCredentials("tether-operator", "operator-secret"));
         ContextStore tenantA = ContextStore.connect(plain.withCredentials("tenant-a", "secret-a"))) {
      operator.advanceEpoch(a, 1);
      operator.advanceEpoch(b, 1);

      assertThat(tenantA.epoch(a)).isEqualTo(1);
      assertThat(tenantA.commit(a, 1, ContextStoreIT.manifest(1, 1))).isInstanceOf(CommitResult.Committed.class);
      assertThat(tenantA.manifests(a)).hasSize(1);

      assertThatThrownBy(() -> tenantA.epoch(b)).isInstanceOf(StoreAccessDeniedException.class)
          .hasMessageContaining("permission denied");
      assertThatThrownBy(() -> tenantA.commit(b, 1, ContextStoreIT.manifest(1, 1)))
          .isInstanceOf(StoreAccessDeniedException.class);
      assertThatThrownBy(() -> tenantA.manifests(b)).isInstanceOf(StoreAccessDeniedException.class);
      assertThat(operator.manifests(b)).as("B untouched").isEmpty();
    }
  }

  @Test
  void anonymousAndWrongPasswordAreRefused() {
    try (ContextStore anonymous = ContextStore.connect(plain);
         ContextStore wrong = ContextStore.connect(plain.withCredentials("tenant-a", "nope"))) {
      SessionKey a = SessionKey.of("team-a", "agent");
      assertThatThrownBy(() -> anonymous.epoch(a)).isInstanceOf(StoreAccessDeniedException.class);
      assertThatThrownBy(() -> wrong.epoch(a)).isInstanceOf(StoreAccessDeniedException.class);
    }
  }
}
