package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.testbed.Namespaces;
import dev.tether.testbed.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * hack/run-operator.sh, the way a developer runs it: a separate operator process on this machine against the
 * cluster of $KUBECONFIG (a real apiserver with simulated nodes), watching one namespace, without a store.
 */
class RunOperatorScriptIT {
  private static final Path SCRIPT = Path.of("..", "hack", "run-operator.sh").toAbsolutePath().normalize();

  private final SimulatedPool pool = new SimulatedPool();
  private Process operator;
  private Path log;

  @AfterEach
  void stopOperator() throws InterruptedException {
    if (operator != null) {
      operator.destroy();
      if (!operator.waitFor(20, TimeUnit.SECONDS)) {
        operator.destroyForcibly();
      }
    }
  }

  @Test
  void theScriptRunsTheOperatorAgainstTheCurrentKubeconfig() throws Exception {
    var admin = SharedControlPlane.get().client();
    SimulatedPool.cluster();
    String ns = Namespaces.create(admin, "run-operator");
    pool.addNode("a");
    int port = Ports.free();
    log = Files.createTempFile("run-operator", ".log");
    // --no-build: this build packaged the operator already (operator/target/classpath.txt).
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), "--no-build", "--namespaces", ns)
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", SharedControlPlane.get().kubeconfigFile().toString());
    builder.environment().put("TETHER_HTTP_PORT", Integer.toString(port));
    builder.environment().put("TETHER_DETECTION_TIMEOUT_MIN", SimulatedPool.DETECTION_TIMEOUT);
    operator = builder.start();

    HttpClient http = HttpClient.newHttpClient();
    await("the operator answers /readyz").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .until(() -> operator.isAlive() ? readyz(http, port) : fail(), code -> code == 200);
    assertThat(Files.readString(log)).contains("[run-operator] cluster: https://")
        .contains("namespaces: " + ns).contains("checkpoint store: none");

    new CoreScenarios(pool).sessionRunsWithVolumeAndService(ns, "dev-loop");
  }

  private static int readyz(HttpClient http, int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private int fail() throws IOException {
    throw new AssertionError("hack/run-operator.sh exited with " + operator.exitValue() + ":\n"
        + Files.readString(log));
  }
}
