package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.operator.http.OperatorEndpoints;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The script of the {@code helm test} pod (templates/tests/operator-answers.yaml) as rendered, run by this
 * machine's bash against the operator's own HTTP endpoints ({@link OperatorEndpoints}), with the Service
 * address in the environment variables a kubelet would set.
 */
class OperatorAnswersTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final RenderedChart DEFAULTS = CHART.render("tether-operator", "tether-system");

  @BeforeAll
  static void bashIsHere() {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
        "no bash to run the test pod's script with");
  }

  /** The prefix of the variables a kubelet sets for a Service: its name in capitals, dashes as underscores. */
  static String serviceEnvPrefix(String serviceName) {
    return serviceName.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  @Test
  void passesWhenTheOperatorIsReady() throws Exception {
    try (OperatorEndpoints operator = endpoints(() -> true)) {
      Run run = runTestPod(operator.port(), 1);
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.output()).contains("/readyz: HTTP/1.1 200 OK");
    }
  }

  @Test
  void retriesUntilTheOperatorIsReady() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    try (OperatorEndpoints operator = endpoints(() -> asked.incrementAndGet() > 1)) {
      Run run = runTestPod(operator.port(), 3);
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.output()).containsSubsequence("HTTP/1.1 503", "HTTP/1.1 200");
      assertThat(asked).hasValue(2);
    }
  }

  @Test
  void failsWhileTheOperatorIsNotReady() throws Exception {
    try (OperatorEndpoints operator = endpoints(() -> false)) {
      Run run = runTestPod(operator.port(), 2);
      assertThat(run.exitCode()).as(run.output()).isOne();
      assertThat(run.output()).containsSubsequence("HTTP/1.1 503", "HTTP/1.1 503", "no 200 from the operator");
    }
  }

  @Test
  void failsWhenNothingAnswers() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run run = runTestPod(closed, 1);
    assertThat(run.exitCode()).as(run.output()).isOne();
    assertThat(run.output()).contains("/readyz: no answer", "no 200 from the operator");
  }

  private record Run(int exitCode, String output) {}

  private static OperatorEndpoints endpoints(BooleanSupplier ready) throws IOException {
    return OperatorEndpoints.start(0, () -> "", () -> true, ready);
  }

  /** The test pod's command and environment, ATTEMPTS overridden, the Service at 127.0.0.1:port. */
  private static Run runTestPod(int port, int attempts) throws Exception {
    Container check = ChartRenderTest.testPod(DEFAULTS).getSpec().getContainers().get(0);
    Service service = DEFAULTS.one(Service.class);
    ProcessBuilder builder = new ProcessBuilder(check.getCommand()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    for (EnvVar var : check.getEnv()) {
      env.put(var.getName(), var.getValue());
    }
    env.put("ATTEMPTS", Integer.toString(attempts));
    String prefix = serviceEnvPrefix(service.getMetadata().getName());
    env.put(prefix + "_SERVICE_HOST", "127.0.0.1");
    env.put(prefix + "_SERVICE_PORT_HTTP_METRICS", Integer.toString(port));
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the test pod's script did not finish within 60 s");
    }
    return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
