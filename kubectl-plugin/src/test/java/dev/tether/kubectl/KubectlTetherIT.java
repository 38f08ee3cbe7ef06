package dev.tether.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.playground.SessionCluster;
import dev.tether.playground.StepAgentSession;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.testbed.Binaries;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.SharedControlPlane;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every subcommand against the playground's cluster: a real apiserver, simulated nodes whose session pods run
 * the supervisor and the example agent, the operator in-process and a real checkpoint etcd. Each command's
 * output is also written to target/kubectl-tether-output/.
 */
class KubectlTetherIT {
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final String POOL_LABEL = "tether.dev/test-pool";
  static final String SESSION = "research-agent";
  static final Path OUTPUT = Path.of("target", "kubectl-tether-output");

  static SessionCluster bed;

  String namespace;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startCluster() throws IOException {
    bed = SessionCluster.start(SharedControlPlane.get(), SessionCluster.Options.fast());
    Files.createDirectories(OUTPUT);
  }

  @AfterAll
  static void stopCluster() {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void everySubcommandOnALiveSession() throws Exception {
    namespace = Namespaces.create(bed.client(), "kubectl-tether");
    String pool = "p" + UUID.randomUUID().toString().substring(0, 6);
    bed.addNode(pool + "-a", Map.of(POOL_LABEL, pool));
    bed.addNode(pool + "-b", Map.of(POOL_LABEL, pool));
    SessionKey key = SessionKey.of(namespace, SESSION);
    // Long enough to outlive the test; a checkpoint every five steps of 200 ms.
    bed.client().resource(new StepAgentSession(100_000, Duration.ofMillis(200), 5, "4s", Map.of(POOL_LABEL, pool))
        .build(namespace, SESSION)).create();
    AgentSession first = awaitSession(s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == 1 && s.getStatus().getLastCheckpoint() != null);
    String node = first.getStatus().getNodeName();

    Run status = tether("status", "status");
    assertThat(status.exit()).isZero();
    assertThat(status.out().lines().toList()).hasSize(2).first().asString()
        .matches("NAME +PHASE +EPOCH +NODE +CHECKPOINT +MIGRATIONS +READY +AGE");
    assertThat(status.out().lines().skip(1).findFirst().orElseThrow())
        .matches(SESSION + " +Running +1 +" + node + " +\\S+ +0 +Running +\\S+");

    Run all = tether("status-all-namespaces", "status", "-A");
    assertThat(all.exit()).isZero();
    assertThat(all.out()).startsWith("NAMESPACE").containsPattern(namespace + " +" + SESSION + " +Running");

    Run one = tether("status-session", "status", SESSION);
    assertThat(one.exit()).isZero();
    assertThat(one.out()).contains("Ready:       True, Running: incarnation 1 is running on " + node)
        .contains("Pod:         " + SESSION + "-1").contains("Migration:   none in flight");

    Run missing = tether("status-missing", "status", "no-such-session");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("error: agentsession no-such-session not found in namespace " + namespace
        + System.lineSeparator());

    Path nobody = Files.writeString(Files.createTempFile("nobody", ".kubeconfig"),
        bed.controlPlane().kubeconfigYamlFor("nobody"));
    Run forbidden = tetherAs(nobody, "status-forbidden", "status");
    assertThat(forbidden.exit()).isEqualTo(1);
    assertThat(forbidden.err()).isEqualTo("error: from server (Forbidden): agentsessions.tether.dev is forbidden: "
        + "User \"nobody\" cannot list resource \"agentsessions\" in API group \"tether.dev\" in the namespace \""
        + namespace + "\"" + System.lineSeparator());

    Run suspend = tether("suspend", "suspend", SESSION);
    assertThat(suspend.exit()).isZero();
    assertThat(suspend.out()).startsWith("agentsession/" + SESSION + " suspended: spec.suspend is now true.")
        .contains("deletes pod " + SESSION + "-1 (incarnation 1 on " + node + ")");
    awaitSession(s -> s.getStatus().getPhase() == SessionPhase.Suspended);
    assertThat(tether("suspend-again", "suspend", SESSION).out()).contains("is already suspended");

    Run moveSuspended = tether("move-suspended", "move", SESSION);
    assertThat(moveSuspended.exit()).isEqualTo(1);
    assertThat(moveSuspended.err()).isEqualTo("error: cannot move agentsession/" + SESSION
        + ": it is Suspended (spec.suspend is true); only a Running session moves" + System.lineSeparator());

    // Suspended, nothing commits: the store's list cannot change under the command.
    Run checkpoints = tether("checkpoints", "checkpoints", SESSION, "--etcd-endpoints", bed.etcd().endpoint());
    List<Manifest> stored = bed.store().manifests(key);
    assertThat(checkpoints.exit()).isZero();
    assertThat(stored).isNotEmpty();
    List<String> rows = checkpoints.out().lines().skip(1).toList();
    assertThat(checkpoints.out().lines().findFirst().orElseThrow())
        .matches("SEQUENCE +EPOCH +SIZE +DIGEST +CREATED +AGE +METADATA");
    assertThat(rows).hasSameSizeAs(stored);
    for (int i = 0; i < stored.size(); i++) {
      Manifest m = stored.get(i);
      assertThat(rows.get(i)).startsWith(m.sequence() + " ")
          .containsPattern(" " + m.epoch() + " +" + m.size() + " +" + m.digest() + " ")
          .contains("step=" + m.metadata().get("step"));
    }
    Manifest newest = stored.get(0);

    // The packaged plugin as kubectl runs it (kubectl finds kubectl-tether on the PATH), with the kubeconfig and
    // the store from the environment; still suspended, so the store holds what it held above.
    Run viaKubectl = kubectl("kubectl-status", "tether", "status", "-n", namespace);
    assertThat(viaKubectl.exit()).as(viaKubectl.err()).isZero();
    assertThat(viaKubectl.out()).containsPattern(SESSION + " +Suspended +1 +<none> ");
    Run checkpointsViaKubectl = kubectl("kubectl-checkpoints", "tether", "checkpoints", SESSION, "-n", namespace);
    assertThat(checkpointsViaKubectl.exit()).as(checkpointsViaKubectl.err()).isZero();
    assertThat(checkpointsViaKubectl.out().lines().skip(1).map(line -> line.split(" +")[3]))
        .containsExactlyElementsOf(stored.stream().map(Manifest::digest).toList());

    Run resume = tether("resume", "resume", SESSION);
    assertThat(resume.exit()).isZero();
    assertThat(resume.out()).startsWith("agentsession/" + SESSION + " resumed: spec.suspend is now false.")
        .contains("starts a new incarnation after epoch 1");
    AgentSession resumed = awaitSession(s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == 2 && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == 2);
    assertThat(resumed.getStatus().getRestoredFrom().getSequence()).isEqualTo(newest.sequence());
    assertThat(resumed.getStatus().getRestoredFrom().getDigest()).isEqualTo(newest.digest());
    assertThat(tether("status-resumed", "status", SESSION).out())
        .contains("Restored:    #" + newest.sequence() + " (by epoch 2: Latest)");

    Run move = tether("move", "move", SESSION);
    assertThat(move.exit()).isZero();
    assertThat(move.out()).startsWith("agentsession/" + SESSION + " move requested: pod template annotation "
        + MoveCommand.ANNOTATION + "=").contains("moves incarnation 2 (pod " + SESSION + "-2 on ")
        .contains("as a planned SpecChanged migration");
    AgentSession moved = awaitSession(s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == 3 && s.getStatus().getMigrations() != null);
    MigrationRecord record = moved.getStatus().getMigrations().get(moved.getStatus().getMigrations().size() - 1);
    assertThat(record.getReason()).isEqualTo("SpecChanged");
    assertThat(record.getFromEpoch()).isEqualTo(2);
    assertThat(record.getToEpoch()).isEqualTo(3);
    assertThat(moved.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey(MoveCommand.ANNOTATION);

    Run afterMove = tether("status-after-move", "status", SESSION);
    assertThat(afterMove.out()).containsPattern(SESSION + " +Running +3 +\\S+ +\\S+ +1 +Running")
        .contains("Recent migrations (newest last):").containsPattern("SpecChanged +2 -> 3");

    // The newest checkpoint of epoch 3 as the target: the checkpoints epoch 3 still writes until it is fenced
    // (one a second, and its last on SIGTERM) keep it well within retention.
    Manifest target = bed.store().manifests(key).get(0);
    Run restore = tether("restore", "restore", SESSION, "--to", Long.toString(target.sequence()));
    assertThat(restore.exit()).as(restore.err()).isZero();
    assertThat(restore.out()).startsWith("agentsession/" + SESSION + " rollback requested: spec.rollback.toSequence="
        + target.sequence() + ", requestId ").contains("replaces incarnation 3 (pod " + SESSION + "-3)");
    AgentSession rolledBack = awaitSession(s -> s.getStatus().getPhase() == SessionPhase.Running
        && s.getStatus().getEpoch() == 4 && s.getStatus().getRestoredFrom() != null
        && s.getStatus().getRestoredFrom().getEpoch() == 4);
    assertThat(rolledBack.getStatus().getRestoredFrom().getReason())
        .startsWith("Rollback: restored checkpoint #" + target.sequence() + ", committed again as #");
    assertThat(rolledBack.getStatus().getRestoredFrom().getDigest()).isEqualTo(target.digest());
    assertThat(tether("status-after-restore", "status", SESSION).out())
        .contains("Rollback:    to #" + target.sequence() + " (request ")
        .containsPattern("Rollback +3 -> 4");

    Run badSequence = tether("restore-bad-sequence", "restore", SESSION, "--to", "0");
    assertThat(badSequence.exit()).isEqualTo(1);
    assertThat(badSequence.err()).isEqualTo("error: --to must be a checkpoint sequence (1 or more), got 0"
        + System.lineSeparator());
    Run notKept = tether("restore-not-kept", "restore", SESSION, "--to", "999999");
    assertThat(notKept.exit()).isZero();
    AgentSession rejected = awaitSession(s -> s.getStatus().getRollback() != null
        && s.getStatus().getRollback().getToSequence() == 999999);
    assertThat(rejected.getStatus().getRollback().getMessage()).startsWith("checkpoint #999999 is not in the store");
    assertThat(rejected.getStatus().getEpoch()).isEqualTo(4);

    // The operator writes Events as it goes: wait for the last one to be listed.
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
        .until(() -> tether("events", "events", SESSION).out(), out -> out.contains("RollbackRejected"));
    Run events = tether("events", "events", SESSION);
    assertThat(events.exit()).isZero();
    assertThat(events.out().lines().findFirst().orElseThrow()).matches("LAST-SEEN +TYPE +REASON +COUNT +MESSAGE");
    assertThat(reasons(events.out())).containsSubsequence("Started", "Suspended", "Resumed", "SpecChanged", "Migrated",
        "RollbackStarted", "Rollback", "Restored", "RollbackRejected");

  }

  /** Runs the plugin in-process against the test bed, as the user of its admin kubeconfig. */
  private Run tether(String sample, String... args) throws IOException {
    return tetherAs(bed.controlPlane().kubeconfigFile(), sample, args);
  }

  private Run tetherAs(Path kubeconfig, String sample, String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = KubectlTether.commandLine(Map.of(), Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    if (!all.contains("-A")) {
      all.addAll(List.of("-n", namespace));
    }
    Run run = new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    keep(sample, "kubectl tether " + String.join(" ", args), run);
    return run;
  }

  /** kubectl with bin/ first on the PATH, the test bed's kubeconfig and the store's endpoints in the environment. */
  private Run kubectl(String sample, String... args) throws Exception {
    Path kubectl = Binaries.find("kubectl")
        .orElseThrow(() -> new IllegalStateException("kubectl not found: run hack/install-control-plane.sh"));
    List<String> command = new ArrayList<>(List.of(kubectl.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PATH", Path.of("bin").toAbsolutePath() + java.io.File.pathSeparator
        + System.getenv("PATH"));
    builder.environment().put("KUBECONFIG", bed.controlPlane().kubeconfigFile().toString());
    builder.environment().put("TETHER_ETCD_ENDPOINTS", bed.etcd().endpoint());
    Path stdout = Files.createTempFile("kubectl-tether", ".out");
    Path stderr = Files.createTempFile("kubectl-tether", ".err");
    Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + TIMEOUT);
    }
    Run run = new Run(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
    keep(sample, "kubectl " + String.join(" ", args), run);
    return run;
  }

  private static void keep(String sample, String command, Run run) throws IOException {
    Files.writeString(OUTPUT.resolve(sample + ".txt"), "$ " + command + "\n" + run.out() + run.err()
        + (run.exit() == 0 ? "" : "(exit " + run.exit() + ")\n"), StandardCharsets.UTF_8);
  }

  private static List<String> reasons(String eventsTable) {
    return eventsTable.lines().skip(1).map(line -> line.trim().split(" +")[2]).toList();
  }

  private AgentSession awaitSession(Predicate<AgentSession> condition) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> bed.client().resources(AgentSession.class).inNamespace(namespace).withName(SESSION).get(),
            s -> s != null && s.getStatus() != null && condition.test(s));
  }
}
