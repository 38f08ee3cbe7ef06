package dev.tether.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real kube-controller-manager and kube-scheduler (v1.20.2, next to the apiserver binary; built by
 * {@code hack/install-control-plane.sh}) running against a {@link ControlPlane}, for tests and
 * benchmarks where Kubernetes itself must create, schedule and evict pods: Deployments get ReplicaSets
 * and pods, namespaces finish deleting, garbage collection and the node lifecycle controller run.
 *
 * <p>Both talk to the control plane through its proxy, so they ride out apiserver restarts. Each has a
 * client certificate of its own ({@code system:kube-controller-manager}, {@code system:kube-scheduler})
 * and the controllers use per-controller ServiceAccount credentials, as in a kubeadm cluster. Logs are
 * in {@code <control plane work dir>/controllers-<n>/}.
 */
public final class KubeControllers implements AutoCloseable {
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * How to run the controllers. Null durations keep the Kubernetes defaults (what a benchmark against
   * default Kubernetes behaviour wants).
   *
   * @param nodeMonitorGracePeriod {@code --node-monitor-grace-period} (default 40 s): how long a node
   *     may miss heartbeats before it is marked Ready=Unknown and tainted unreachable
   * @param podEvictionTimeout {@code --pod-eviction-timeout} (default 5 m). With taint-based eviction
   *     (always on in 1.20) pods are evicted after their {@code node.kubernetes.io/unreachable}
   *     toleration (300 s, added by the apiserver's DefaultTolerationSeconds admission) instead
   * @param scheduler whether to run kube-scheduler too
   * @param controllerManagerFlags further kube-controller-manager flags
   */
  public record Options(Duration nodeMonitorGracePeriod, Duration podEvictionTimeout, boolean scheduler,
                        List<String> controllerManagerFlags) {
    public Options {
      controllerManagerFlags = List.copyOf(controllerManagerFlags);
    }

    /** Controller-manager and scheduler with Kubernetes' defaults. */
    public static Options defaults() {
      return new Options(null, null, true, List.of());
    }

    public Options withNodeMonitorGracePeriod(Duration period) {
      return new Options(period, podEvictionTimeout, scheduler, controllerManagerFlags);
    }

    public Options withPodEvictionTimeout(Duration timeout) {
      return new Options(nodeMonitorGracePeriod, timeout, scheduler, controllerManagerFlags);
    }

    public Options withoutScheduler() {
      return new Options(nodeMonitorGracePeriod, podEvictionTimeout, false, controllerManagerFlags);
    }

    public Options withControllerManagerFlags(String... flags) {
      List<String> all = new ArrayList<>(controllerManagerFlags);
      all.addAll(Arrays.asList(flags));
      return new Options(nodeMonitorGracePeriod, podEvictionTimeout, scheduler, all);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(KubeControllers.class);

  private final List<LocalProcess> processes = new ArrayList<>();

  private KubeControllers() {}

  public static KubeControllers start(ControlPlane plane) {
    return start(plane, Options.defaults());
  }

  /**
   * Starts the controller-manager (and the scheduler) and waits until they report healthy. The
   * apiserver must be up: started together, the controller-manager exits for lack of permissions
   * that the apiserver only sets up while it becomes ready.
   */
  public static KubeControllers start(ControlPlane plane, Options options) {
    if (!plane.isApiServerRunning()) {
      throw new IllegalStateException("start the apiserver before the controllers");
    }
    Path dir = plane.workDir().resolve("controllers-" + INSTANCES.incrementAndGet());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    KubeControllers controllers = new KubeControllers();
    try {
      controllers.startControllerManager(plane, options, dir);
      if (options.scheduler()) {
        controllers.startScheduler(plane, dir);
      }
      return controllers;
    } catch (RuntimeException e) {
      controllers.close();
      throw e;
    }
  }

  private void startControllerManager(ControlPlane plane, Options options, Path dir) {
    Path kubeconfig = kubeconfig(plane, dir, "kube-controller-manager", "system:kube-controller-manager");
    int port = Ports.free();
    List<String> command = new ArrayList<>(List.of(binary("kube-controller-manager"),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--controllers=*",
        "--use-service-account-credentials=true",
        "--service-account-private-key-file=" + plane.serviceAccountKey(),
        "--root-ca-file=" + plane.apiServerCertificate(),
        "--cluster-signing-cert-file=" + plane.clientCa().certificate(),
        "--cluster-signing-key-file=" + plane.clientCa().key(),
        "--bind-address=127.0.0.1",
        "--secure-port=" + port,
        "--port=0",
        "--cert-dir=" + dir.resolve("kube-controller-manager-serving"),
        "--leader-elect=false"));
    if (options.nodeMonitorGracePeriod() != null) {
      command.add("--node-monitor-grace-period=" + goDuration(options.nodeMonitorGracePeriod()));
    }
    if (options.podEvictionTimeout() != null) {
      command.add("--pod-eviction-timeout=" + goDuration(options.podEvictionTimeout()));
    }
    command.addAll(options.controllerManagerFlags());
    startAndAwaitHealthy("kube-controller-manager", command, dir, port);
  }

  private void startScheduler(ControlPlane plane, Path dir) {
    Path kubeconfig = kubeconfig(plane, dir, "kube-scheduler", "system:kube-scheduler");
    int port = Ports.free();
    List<String> command = List.of(binary("kube-scheduler"),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--bind-address=127.0.0.1",
        "--secure-port=" + port,
        "--port=0",
        "--cert-dir=" + dir.resolve("kube-scheduler-serving"),
        "--leader-elect=false");
    startAndAwaitHealthy("kube-scheduler", command, dir, port);
  }

  private void startAndAwaitHealthy(String name, List<String> command, Path dir, int port) {
    long started = System.nanoTime();
    LocalProcess process = LocalProcess.start(name, command, dir.resolve(name + ".log"));
    processes.add(process);
    HealthProbe probe = HealthProbe.trustingOwnLoopbackProcess();
    Poll.until(process.describe(), STARTUP_TIMEOUT, process::isAlive, () -> probe.ok(port, "/healthz"));
    LOG.info("{} healthy after {} ms", name, (System.nanoTime() - started) / 1_000_000);
  }

  private static Path kubeconfig(ControlPlane plane, Path dir, String name, String user) {
    Path file = dir.resolve(name + ".kubeconfig");
    try {
      Files.writeString(file, plane.kubeconfigYamlFor(user));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static String binary(String name) {
    return Binaries.find(name).orElseThrow(() -> new IllegalStateException(
        name + " not found under " + Binaries.kubeApiTestDir() + ": run hack/install-control-plane.sh")).toString();
  }

  /** As a Go duration. */
  private static String goDuration(Duration duration) {
    return duration.toMillis() + "ms";
  }

  /** True while every started process runs. */
  public boolean isRunning() {
    return !processes.isEmpty() && processes.stream().allMatch(LocalProcess::isAlive);
  }

  @Override
  public void close() {
    processes.forEach(LocalProcess::stop);
    processes.clear();
  }
}
