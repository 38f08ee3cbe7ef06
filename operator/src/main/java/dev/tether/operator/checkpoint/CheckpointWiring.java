package dev.tether.operator.checkpoint;

import dev.tether.operator.failover.EpochAuthority;
import dev.tether.operator.pod.SessionPodFactory;
import dev.tether.operator.pod.SupervisorStop;
import dev.tether.store.ContextStore;
import dev.tether.store.TenantAccess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the operator does with the checkpoint store, assembled in one place: epochs raised in etcd,
 * the supervisor sidecar, and following checkpoints and restores into status.
 */
public final class CheckpointWiring implements AutoCloseable {
  private final ContextStore store;
  private final ContextStore adminStore;
  private final CheckpointFollower follower;
  private final List<SessionPodFactory.PodDecorator> decorators;

  private CheckpointWiring(ContextStore store, ContextStore adminStore, CheckpointFollower follower,
      List<SessionPodFactory.PodDecorator> decorators) {
    this.store = store;
    this.adminStore = adminStore;
    this.follower = follower;
    this.decorators = decorators;
  }

  /**
   * With a supervisor sidecar in every pod (a real cluster).
   *
   * @param nativeSidecar whether the cluster runs native sidecars (init containers with restartPolicy Always)
   */
  public static CheckpointWiring connect(CheckpointStoreSettings settings, Duration throttle, boolean nativeSidecar) {
    if (settings.bootstrapAuth()) {
      AuthBootstrap.run(settings);
    }
    ContextStore store = ContextStore.connect(settings.storeConfig());
    ContextStore adminStore = !settings.authenticated() ? null
        : settings.adminUsername() == null ? store : ContextStore.connect(settings.adminStoreConfig());
    SecurityContext securityContext = settings.supervisorSecurityContextJson() == null ? null
        : new KubernetesSerialization().unmarshal(settings.supervisorSecurityContextJson(), SecurityContext.class);
    var sidecar = new SupervisorSidecar(settings.supervisorImage(), settings.supervisorEnv(), securityContext,
        nativeSidecar);
    return new CheckpointWiring(store, adminStore, new CheckpointFollower(store, throttle), List.of(sidecar));
  }

  /** Without the sidecar: the test bed and the playground run the supervisor as part of the simulated pod. */
  public static CheckpointWiring withoutSidecar(ContextStore store, Duration throttle) {
    return new CheckpointWiring(store, null, new CheckpointFollower(store, throttle), List.of());
  }

  public ContextStore store() {
    return store;
  }

  public CheckpointFollower follower() {
    return follower;
  }

  public EpochAuthority epochs() {
    return new StoreEpochAuthority(store, follower);
  }

  public SupervisorStop supervisorStop() {
    return (session, epoch) -> store.requestStop(SessionKeys.of(session), epoch);
  }

  public List<SessionPodFactory.PodDecorator> decorators() {
    return decorators;
  }

  /**
   * Where etcd authenticates its clients, what issues each session namespace its own etcd user and Secret;
   * else empty (nothing to issue: supervisors connect without credentials).
   */
  public Optional<TenantCredentials> tenantCredentials(KubernetesClient client, Clock clock) {
    return adminStore == null ? Optional.empty()
        : Optional.of(new TenantCredentials(client, new TenantAccess(adminStore), clock));
  }

  @Override
  public void close() {
    if (adminStore != null && adminStore != store) {
      adminStore.close();
    }
    store.close();
  }
}
