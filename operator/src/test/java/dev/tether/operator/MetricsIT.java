package dev.tether.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.operator.http.OperatorEndpoints;
import dev.tether.testbed.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint serves the operator's metrics, with no per-session series. */
class MetricsIT {
  final OperatorTestBed bed = OperatorTestBed.get();

  @Test
  void servesSessionAndMigrationMetricsAndProbes() throws Exception {
    String ns = bed.newNamespace();
    String pool = bed.newPool();
    bed.addNode(pool, "a");
    bed.create(bed.session(ns, "metered", pool));
    bed.awaitRunning(ns, "metered", 1);
    bed.client().pods().inNamespace(ns).withName("metered-1").delete();
    bed.awaitRunning(ns, "metered", 2);

    int port = Ports.free();
    OperatorEndpoints server = OperatorMain.serve(port, bed.registry(), bed.operator());
    try {
      HttpClient http = HttpClient.newHttpClient();
      String metrics = await().atMost(OperatorTestBed.TIMEOUT).until(() -> get(http, port, "/metrics").body(),
          body -> body.contains("tether_recovery_seconds_count{reason=\"PodDeleted\"}"));
      assertThat(metrics)
          .contains("tether_sessions{phase=\"Running\"}")
          .contains("tether_migrations_total{reason=\"PodDeleted\",result=\"completed\"}")
          .contains("tether_migrations_total{reason=\"PodDeleted\",result=\"started\"}")
          .contains("tether_mass_failure_guard")
          .doesNotContain("metered");
      assertThat(get(http, port, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(http, port, "/healthz").statusCode()).isEqualTo(200);
    } finally {
      server.close();
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
