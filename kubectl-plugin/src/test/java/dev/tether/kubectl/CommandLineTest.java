package dev.tether.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What needs no cluster: option parsing and the one-line errors. */
class CommandLineTest {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(Map<String, String> env, String... args) {
    CommandLine cli = KubectlTether.commandLine(env, Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void checkpointsWithoutAStoreSaysHowToGiveOne() {
    assertThat(run(Map.of(), "checkpoints", "research-agent", "-n", "team-a")).isEqualTo(1);
    assertThat(err.toString()).isEqualTo(
        "error: no checkpoint store given: pass --etcd-endpoints or set TETHER_ETCD_ENDPOINTS" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aMissingKubeconfigIsOneLine() {
    assertThat(run(Map.of(), "status", "--kubeconfig", "/nonexistent/kubeconfig")).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("error: kubeconfig /nonexistent/kubeconfig does not exist"
        + System.lineSeparator());
  }

  @Test
  void clusterOptionsAreAcceptedBeforeAndAfterTheSubcommand() {
    CommandLine cli = KubectlTether.commandLine(Map.of(), Clock.systemUTC());
    CommandLine.ParseResult before = cli.parseArgs("-n", "team-a", "--context", "prod", "status");
    assertThat(((KubectlTether) cli.getCommand()).namespace).isEqualTo("team-a");
    assertThat(((KubectlTether) cli.getCommand()).context).isEqualTo("prod");
    assertThat(before.subcommand().commandSpec().name()).isEqualTo("status");

    cli = KubectlTether.commandLine(Map.of(), Clock.systemUTC());
    cli.parseArgs("status", "research-agent", "-n", "team-b", "--context", "dev");
    assertThat(((KubectlTether) cli.getCommand()).namespace).isEqualTo("team-b");
    assertThat(((KubectlTether) cli.getCommand()).context).isEqualTo("dev");
  }

  @Test
  void usageErrorsExitNonZero() {
    assertThat(run(Map.of(), "status", "one", "two")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument at index 2: 'two'");
    assertThat(run(Map.of(), "restore", "x")).isEqualTo(2);
    assertThat(run(Map.of())).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required subcommand");
  }

  @Test
  void everySubcommandHasHelp() {
    assertThat(run(Map.of(), "move", "--help")).isZero();
    assertThat(out.toString()).startsWith("Usage: kubectl tether move").contains(MoveCommand.ANNOTATION);
  }

  @Test
  void oneLineJoinsTheRootCause() {
    var e = new IllegalStateException("list failed\n  at the apiserver",
        new RuntimeException("wrapper", new java.net.ConnectException("Connection refused")));
    assertThat(KubectlTether.oneLine(e)).isEqualTo("list failed at the apiserver: Connection refused");
  }
}
