package dev.tether.operator.controller;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec.ReclaimPolicy;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.checkpoint.CheckpointWiring;
import dev.tether.operator.checkpoint.SessionKeys;
import dev.tether.operator.checkpoint.TenantCredentials;
import dev.tether.store.StoreUnavailableException;
import dev.tether.operator.dependent.CheckpointVolumeClaim;
import dev.tether.operator.dependent.SessionLabels;
import dev.tether.operator.eviction.EvictionRequests;
import dev.tether.operator.dependent.DisruptionBudgetV1;
import dev.tether.operator.dependent.DisruptionBudgetV1beta1;
import dev.tether.operator.dependent.DisruptionBudgets;
import dev.tether.operator.dependent.NameClaims;
import dev.tether.operator.dependent.SessionService;
import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.failover.AdaptiveRate;
import dev.tether.operator.failover.EpochAuthority;
import dev.tether.operator.failover.FailureDetector;
import dev.tether.operator.failover.Fencer;
import dev.tether.operator.failover.MigrationRateLimiter;
import dev.tether.operator.failover.NodeEvents;
import dev.tether.operator.failover.NodeFailure;
import dev.tether.operator.failover.NodeHealth;
import dev.tether.operator.failover.SessionIndex;
import dev.tether.operator.failover.VolumeGate;
import dev.tether.operator.checkpoint.ObjectStoreDecorator;
import dev.tether.operator.checkpoint.ObjectStoreCleanup;
import dev.tether.operator.support.Times;
import dev.tether.operator.checkpoint.ObjectStores;
import dev.tether.operator.validation.ObjectStoreRules;
import dev.tether.operator.metrics.TetherMetrics;
import dev.tether.operator.pod.PodView;
import dev.tether.operator.pod.PodWriter;
import dev.tether.operator.pod.SessionPodFactory;
import dev.tether.operator.pod.SupervisorStop;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.status.StatusWriter;
import dev.tether.operator.support.LeanItemStore;
import dev.tether.operator.support.SlimPodItemStore;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import dev.tether.operator.validation.SessionSpecValidator;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles an AgentSession: observe, validate, reconcile owned objects, then the session's lifecycle.
 * The PVC and the headless Service are JOSDK dependents, invoked explicitly so that an invalid spec never
 * touches them (a failed precondition would make JOSDK delete the volume). Pods are managed by
 * {@link SessionLifecycle}: their names carry the epoch and their replacement follows fencing rules that
 * a generic dependent cannot express.
 */
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = "checkpoint-volume", type = CheckpointVolumeClaim.class),
    @Dependent(name = "service", type = SessionService.class),
    @Dependent(name = "disruption-budget", type = DisruptionBudgetV1.class,
        activationCondition = DisruptionBudgets.V1Served.class),
    @Dependent(name = "disruption-budget-v1beta1", type = DisruptionBudgetV1beta1.class,
        activationCondition = DisruptionBudgets.OnlyV1beta1Served.class)})
@ControllerConfiguration(name = "agentsession", informer = @Informer(itemStore = LeanItemStore.class))
@GradualRetry(initialInterval = 500, intervalMultiplier = 2.0, maxInterval = 10_000, maxAttempts = Integer.MAX_VALUE - 1)
public class AgentSessionReconciler implements Reconciler<AgentSession>, Cleaner<AgentSession> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentSessionReconciler.class);
  /** How often a session whose object names are taken looks again. */
  private static final Duration NAME_RECHECK = Duration.ofSeconds(30);
  /** How often a session whose pod creation was forbidden (403) tries again. */
  private static final Duration FORBIDDEN_RECHECK = Duration.ofSeconds(10);
  private static final Duration OBJECT_CLEANUP_RETRY = Duration.ofSeconds(2);
  private static final Duration OBJECT_CLEANUP_PATIENCE = Duration.ofMinutes(5);

  private final OperatorSettings settings;
  private final EpochAuthority epochs;
  private final Clock clock;
  private final List<SessionPodFactory.PodDecorator> decorators;
  private final ObjectStores objectStores;
  private final CheckpointWiring checkpoints;
  private final TetherMetrics metrics;

  private InformerEventSource<Pod, AgentSession> podSource;
  private InformerEventSource<Node, AgentSession> nodeSource;
  private InformerEventSource<Lease, AgentSession> leaseSource;
  private InformerEventSource<VolumeAttachment, AgentSession> attachmentSource;
  private InformerEventSource<StorageClass, AgentSession> storageClassSource;
  private FailureDetector detector;
  private NodeHealth health;
  private final AdaptiveRate migrationRate;
  private final MigrationRateLimiter rateLimiter;

  /**
   * @param checkpoints the checkpoint store wiring, or null to run without a store (epochs live in status
   *     only and no supervisor is injected)
   */
  public AgentSessionReconciler(OperatorSettings settings, CheckpointWiring checkpoints, Clock clock,
      TetherMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.checkpoints = checkpoints;
    this.epochs = checkpoints == null ? EpochAuthority.STATUS_ONLY : checkpoints.epochs();
    this.clock = clock;
    List<String> problems = ObjectStoreRules.check(settings.defaultObjectStore(), "TETHER_DEFAULT_OBJECT_STORE");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    // The tier keeps its manifests in the checkpoint store: without one there is nothing to point at the objects.
    this.objectStores = checkpoints == null ? ObjectStores.none() : new ObjectStores(settings.defaultObjectStore());
    List<SessionPodFactory.PodDecorator> all = new ArrayList<>(checkpoints == null ? List.of() : checkpoints.decorators());
    all.add(new ObjectStoreDecorator(objectStores)); // after the sidecar, whose container it adds to
    this.decorators = List.copyOf(all);
    this.migrationRate = new AdaptiveRate(settings.migrationsPerSecond());
    this.rateLimiter = new MigrationRateLimiter(migrationRate::perSecond, System::nanoTime);
  }

  @Override
  public List<EventSource<?, AgentSession>> prepareEventSources(EventSourceContext<AgentSession> context) {
    context.getPrimaryCache().addIndexer(SessionIndex.BY_NODE, SessionIndex::nodesOf);
    podSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, AgentSession.class)
        .withName("pods")
        .withLabelSelector(SessionLabels.SELECTOR)
        .withItemStore(new SlimPodItemStore())
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(AgentSession.class, false))
        .build(), context);
    nodeSource = NodeEvents.nodes(context);
    leaseSource = NodeEvents.leases(context);
    attachmentSource = NodeEvents.volumeAttachments(context);
    storageClassSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(StorageClass.class, AgentSession.class)
        .withName("storage-classes")
        .withWatchAllNamespaces()
        .withFollowControllerNamespacesChanges(false)
        .withSecondaryToPrimaryMapper(sc -> java.util.Set.of())
        .build(), context);
    health = new NodeHealth(
        name -> nodeSource.get(new ResourceID(name)).orElse(null),
        name -> leaseSource.get(new ResourceID(name, NodeEvents.NODE_LEASE_NAMESPACE)).orElse(null));
    detector = new FailureDetector(() -> context.getPrimaryCache().list(), health,
        () -> nodeSource.list().toList(), this::detectionTimeout, settings.defaultDetectionTimeout(),
        settings.massFailureThreshold(), clock,
        () -> nodeSource.getStatus() == Status.HEALTHY && leaseSource.getStatus() == Status.HEALTHY,
        this::nodeOfCurrentPod);
    List<EventSource<?, AgentSession>> sources = new ArrayList<>();
    sources.add(podSource);
    sources.add(nodeSource);
    sources.add(leaseSource);
    sources.add(attachmentSource);
    sources.add(storageClassSource);
    evictions = EvictionRequests.create(context);
    sources.add(evictions.eventSource());
    sources.add(detector);
    if (checkpoints != null) {
      sources.add(checkpoints.follower());
    }
    components = new Components(context.getClient());
    metrics.bindSessions(() -> context.getPrimaryCache().list().toList());
    metrics.bindGuard(detector::isBlind, detector::failedNodes);
    metrics.bindMigrationRate(migrationRate::perSecond);
    return sources;
  }

  @Override
  public UpdateControl<AgentSession> reconcile(AgentSession session, Context<AgentSession> context) {
    MDC.put("session", session.getMetadata().getNamespace() + "/" + session.getMetadata().getName());
    try {
      Components c = components;
      Reconciliation r = new Reconciliation(session, podsOf(session, context), context, c.writer, clock.instant());
      String claimName = dev.tether.operator.dependent.SessionLabels.claimName(session);
      boolean claimExists = context.getSecondaryResources(PersistentVolumeClaim.class).stream()
          .anyMatch(claim -> claimName.equals(claim.getMetadata().getName()));
      List<String> problems = c.validator.validate(session, claimExists);
      Optional<String> nameTaken = Optional.empty();
      if (!problems.isEmpty()) {
        invalid(r, "InvalidSpec", String.join("; ", problems), c.events);
      } else if (rejectedAtThisGeneration(session)) {
        String message = Conditions.find(session.getStatus().getConditions(), Conditions.READY).get().getMessage();
        invalid(r, "PodRejected", message, c.events);
      } else if ((nameTaken = c.names.conflict(session, context)).isPresent()) {
        invalid(r, "NameConflict", nameTaken.get(), c.events);
        r.wakeIn(NAME_RECHECK); // the other object may be removed: nothing of it wakes this session
      } else {
        // Before any pod: its supervisor needs the namespace's credentials. A problem does not stop the
        // session (running pods keep their credentials); it shows unless something more pressing does.
        if (c.tenants != null) {
          c.tenants.ensure(session.getMetadata().getNamespace()).ifPresent(p -> degraded(r, p.reason(),
              p.message(), c.events));
        }
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        try {
          c.lifecycle.reconcile(r);
        } catch (PodRejectedException e) {
          invalid(r, "PodRejected", e.getMessage(), c.events);
        } catch (PodForbiddenException e) {
          // A quota or policy may change without the session changing: look again, with the same epoch.
          invalid(r, "PodForbidden", e.getMessage() + "; retrying every " + FORBIDDEN_RECHECK.toSeconds() + "s",
              c.events);
          r.wakeIn(FORBIDDEN_RECHECK);
        } catch (StoreUnavailableException e) {
          // Running sessions keep running; only a new incarnation has to wait for its epoch.
          r.degraded("CheckpointStoreUnavailable", "the checkpoint store cannot be reached: " + e.getMessage());
          r.wakeIn(Duration.ofSeconds(5));
        }
        if (c.reporter != null) {
          c.reporter.report(r);
        }
      }
      r.persist();
      metrics.transition(session.getStatus(), r.status());
      r.detectionDelay().ifPresent(metrics::detectionDelay);
      return r.wakeIn().map(d -> UpdateControl.<AgentSession>noUpdate().rescheduleAfter(d.plusMillis(50)))
          .orElseGet(UpdateControl::noUpdate);
    } finally {
      MDC.remove("session");
    }
  }

  /** A pod the apiserver refused stays refused until the spec changes: no retry loop meanwhile. */
  private static boolean rejectedAtThisGeneration(AgentSession session) {
    return session.getStatus() != null && Conditions.find(session.getStatus().getConditions(), Conditions.READY)
        .filter(c -> "PodRejected".equals(c.getReason()))
        .filter(c -> java.util.Objects.equals(c.getObservedGeneration(), session.getMetadata().getGeneration()))
        .isPresent();
  }

  private void invalid(Reconciliation r, String reason, String message, EventRecorder events) {
    boolean alreadyReported = reported(r, reason, message);
    r.status().setObservedGeneration(r.session().getMetadata().getGeneration());
    if (r.status().getPhase() == null) {
      r.status().setPhase(dev.tether.api.v1alpha1.SessionPhase.Pending);
    }
    r.ready(reason, message);
    r.degraded(reason, message);
    if (!alreadyReported) {
      events.warning(r.session(), reason, message);
    }
  }

  /** Degraded for this reason, with one Warning Event while the condition says so. */
  private static void degraded(Reconciliation r, String reason, String message, EventRecorder events) {
    if (!reported(r, reason, message)) {
      events.warning(r.session(), reason, message);
    }
    r.degraded(reason, message);
  }

  private static boolean reported(Reconciliation r, String reason, String message) {
    return r.status().getConditions() != null && r.status().getConditions().stream()
        .anyMatch(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()));
  }

  @Override
  public DeleteControl cleanup(AgentSession session, Context<AgentSession> context) {
    Components c = components;
    var client = context.getClient();
    String ns = session.getMetadata().getNamespace();
    boolean discard = session.getSpec().getCheckpoint().getReclaimPolicy() == ReclaimPolicy.Delete;
    if (discard && checkpoints != null) {
      // Its checkpoints are about to go: fence every incarnation first, so that none still stopping commits
      // after the delete and hands a same-name successor a checkpoint whose blob is gone.
      var key = SessionKeys.of(session);
      long current = session.getStatus() == null ? 0 : session.getStatus().getEpoch();
      checkpoints.store().advanceEpoch(key, Math.max(current, checkpoints.store().epoch(key)) + 1);
    }
    for (Pod pod : podsOf(session, context)) {
      c.pods.remove(pod, nodeFailure(session, PodView.node(pod)).isPresent());
    }
    if (discard && objectStores.target(session).isPresent()) {
      // After the fencing above, and once no pod is left: a supervisor still stopping uploads its final
      // checkpoint before etcd refuses it, and that object would outlive the session.
      boolean podsLeft = !podsOf(session, context).isEmpty() && withinCleanupPatience(session);
      if (podsLeft || !deleteObjects(session, client, c)) {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(OBJECT_CLEANUP_RETRY);
      }
    }
    // Only what is the session's: an object of the same name that is not stays as it is (see NameClaims).
    c.names.deleteIfOurs(client.services().inNamespace(ns).withName(SessionLabels.serviceName(session)), session);
    if (DisruptionBudgets.policyV1Served(client)) {
      c.names.deleteIfOurs(client.policy().v1().podDisruptionBudget().inNamespace(ns)
          .withName(DisruptionBudgets.name(session)), session);
    } else {
      c.names.deleteIfOurs(client.policy().v1beta1().podDisruptionBudget().inNamespace(ns)
          .withName(DisruptionBudgets.name(session)), session);
    }
    var claim = client.persistentVolumeClaims().inNamespace(ns).withName(SessionLabels.claimName(session));
    boolean ours = Optional.ofNullable(claim.get()).filter(pvc -> NameClaims.isOurs(pvc, session)).isPresent();
    if (session.getSpec().getCheckpoint().getReclaimPolicy() == ReclaimPolicy.Delete) {
      if (ours) {
        claim.delete();
        c.events.normal(session, "VolumeDeleted", "reclaimPolicy Delete: deleted " + SessionLabels.claimName(session));
      }
      if (checkpoints != null) {
        checkpoints.store().deleteCheckpoints(SessionKeys.of(session));
        checkpoints.follower().forget(SessionKeys.of(session));
      }
    } else if (ours) {
      // Orphan the volume so that garbage collection of the session does not take it along.
      c.names.release(claim, session);
      c.events.normal(session, "VolumeRetained", "reclaimPolicy Retain: kept " + SessionLabels.claimName(session));
    }
    releaseTenantIfLast(session, client, c);
    return DeleteControl.defaultDelete();
  }

  /**
   * The namespace's last session: its etcd user, role and (Tether's) Secret go. Sessions being deleted do not
   * count, so that two deleted together do not each wait for the other; one created meanwhile issues them again.
   * A failure leaves them (the next session of the namespace uses them again) and does not hold the deletion.
   */
  private void releaseTenantIfLast(AgentSession session, KubernetesClient client, Components c) {
    if (c.tenants == null) {
      return;
    }
    String ns = session.getMetadata().getNamespace();
    String uid = session.getMetadata().getUid();
    try {
      // From the apiserver, not the informer: a session created a moment ago must be seen.
      c.tenants.releaseIfLast(ns, () -> client.resources(AgentSession.class).inNamespace(ns).list().getItems()
              .stream().anyMatch(s -> !uid.equals(s.getMetadata().getUid())
                  && s.getMetadata().getDeletionTimestamp() == null))
          .ifPresent(removed -> c.events.normal(session, "TenantCredentialsRemoved",
              "last session of namespace " + ns + ": removed the " + removed));
    } catch (RuntimeException e) {
      LOG.warn("namespace {}: could not remove its checkpoint store credentials after its last session: {}", ns,
          e.getMessage());
    }
  }

  /**
   * Deletes the session's objects in its object store. False to try again later: the store or its Secret is not
   * usable now, and the session was deleted less than {@link #OBJECT_CLEANUP_PATIENCE} ago; after that the
   * objects are left, and a Warning names their prefix.
   */
  private boolean deleteObjects(AgentSession session, KubernetesClient client, Components c) {
    var target = objectStores.target(session);
    if (target.isEmpty()) {
      return true;
    }
    try {
      int deleted = new ObjectStoreCleanup(client).deleteAll(session.getMetadata().getNamespace(), target.get());
      c.events.normal(session, "ObjectsDeleted", "reclaimPolicy Delete: deleted " + deleted + " objects under "
          + target.get().location());
      return true;
    } catch (RuntimeException e) {
      boolean patient = withinCleanupPatience(session);
      c.events.warning(session, "ObjectsNotDeleted", "reclaimPolicy Delete: cannot delete the objects under "
          + target.get().location() + ": " + e.getMessage() + (patient ? "; trying again"
              : "; giving up after " + OBJECT_CLEANUP_PATIENCE.toMinutes() + " minutes, delete them by hand"));
      return !patient;
    }
  }

  /** Deleted less than {@link #OBJECT_CLEANUP_PATIENCE} ago: the operator still waits for its object cleanup. */
  private boolean withinCleanupPatience(AgentSession session) {
    Instant since = Times.parse(session.getMetadata().getDeletionTimestamp());
    return since == null || since.plus(OBJECT_CLEANUP_PATIENCE).isAfter(clock.instant());
  }

  private List<Pod> podsOf(AgentSession session, Context<AgentSession> context) {
    return context.getSecondaryResources(Pod.class).stream()
        .sorted(Comparator.comparingLong(PodView::epoch))
        .toList();
  }

  /**
   * The session's detection timeout within the admin's range: the failure detector also looks at sessions
   * whose spec is invalid, and must never act on an out-of-range value.
   */
  public Duration detectionTimeout(AgentSession session) {
    return settings.limits().detectionTimeoutOf(session.getSpec().getFailover().getDetectionTimeout(),
        settings.defaultDetectionTimeout());
  }

  Optional<NodeFailure> nodeFailure(AgentSession session, String node) {
    return health.failure(node, detectionTimeout(session), clock.instant());
  }

  /**
   * Whether a node is failed by the operator-wide timeout: what actions on the node itself (an out-of-service
   * taint, deleting its VolumeAttachments) wait for, so that no tenant's own setting can decide them.
   */
  Optional<NodeFailure> nodeWideFailure(String node) {
    return health.failure(node, settings.defaultDetectionTimeout(), clock.instant());
  }

  /** Where the session's current pod is bound, from the pod cache; else what status says. */
  String nodeOfCurrentPod(AgentSession session) {
    var status = session.getStatus();
    if (status.getPodName() == null) {
      return status.getNodeName();
    }
    return podSource.get(new ResourceID(status.getPodName(), session.getMetadata().getNamespace()))
        .map(PodView::node)
        .orElse(status.getNodeName());
  }

  /** Nodes that look failed by this session's detection timeout. */
  java.util.Set<String> failedNodes(AgentSession session) {
    java.time.Instant now = clock.instant();
    Duration timeout = detectionTimeout(session);
    return nodeSource.list().map(n -> n.getMetadata().getName())
        .filter(n -> health.failure(n, timeout, now).isPresent())
        .collect(java.util.stream.Collectors.toSet());
  }

  public FailureDetector failureDetector() {
    return detector;
  }

  /**
   * Collaborators that need the client and the event sources; built once in {@link #prepareEventSources},
   * which JOSDK calls before the first reconcile.
   */
  private volatile Components components;
  private volatile EvictionRequests evictions;

  private final class Components {
    final StatusWriter writer;
    final EventRecorder events;
    final PodWriter pods;
    final SessionSpecValidator validator;
    final NameClaims names;
    final SessionLifecycle lifecycle;
    final CheckpointReporter reporter;
    /** Null where etcd does not authenticate: then there are no credentials to issue. */
    final TenantCredentials tenants;

    Components(KubernetesClient client) {
      tenants = checkpoints == null ? null : checkpoints.tenantCredentials(client, clock).orElse(null);
      writer = new StatusWriter(client.getKubernetesSerialization());
      events = new EventRecorder(client);
      pods = new PodWriter(client, migrationRate);
      names = new NameClaims(client);
      validator = new SessionSpecValidator(name -> storageClassSource.get(new ResourceID(name)).isPresent(),
          settings.limits(), settings.podPolicy());
      var factory = new SessionPodFactory(client.getKubernetesSerialization(), decorators);
      var starter = new IncarnationStarter(epochs, factory, pods);
      var fencer = new Fencer(client, pods, settings.allowOutOfServiceTaint(),
          AgentSessionReconciler.this::nodeWideFailure);
      var volumes = new VolumeGate(client, () -> attachmentSource.list().toList(), () -> nodeSource.list().toList(),
          settings.allowVolumeAttachmentDelete(),
          AgentSessionReconciler.this::nodeWideFailure, objectStores);
      var finalCheckpoint = checkpoints == null ? null
          : new FinalCheckpoint(checkpoints.store(), checkpoints.follower());
      var rollbacks = new RollbackRequests(checkpoints == null ? null : checkpoints.store(), events);
      var machine = new MigrationStateMachine(fencer, volumes, starter, events, rateLimiter,
          AgentSessionReconciler.this::nodeFailure, AgentSessionReconciler.this::failedNodes, finalCheckpoint,
          settings.migrationHistoryLimit(), settings.startupTimeout(), rollbacks);
      reporter = checkpoints == null ? null : new CheckpointReporter(checkpoints.follower(), events, objectStores);
      lifecycle = new SessionLifecycle(machine, starter, pods, factory, events, detector,
          AgentSessionReconciler.this::nodeFailure, health::disruption, evictions::requestedFor,
          checkpoints == null ? SupervisorStop.NONE : checkpoints.supervisorStop(), settings.startupTimeout(),
          new SessionEdits(client), rollbacks);
    }
  }
}
