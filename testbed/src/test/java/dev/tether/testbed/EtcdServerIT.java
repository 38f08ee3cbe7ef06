package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EtcdServerIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void keepsItsDataAcrossAStopAndStart() throws Exception {
    try (EtcdServer etcd = EtcdServer.start()) {
      String endpoint = etcd.endpoint();
      post(etcd, "/v3/kv/put", "{\"key\":\"%s\",\"value\":\"%s\"}".formatted(b64("session"), b64("checkpoint-1")));

      etcd.stop();
      assertThat(etcd.isRunning()).isFalse();
      etcd.startProcess();

      assertThat(etcd.isRunning()).isTrue();
      assertThat(etcd.endpoint()).isEqualTo(endpoint);
      assertThat(post(etcd, "/v3/kv/range", "{\"key\":\"%s\"}".formatted(b64("session")))).contains(b64("checkpoint-1"));
    }
  }

  /** etcd's JSON gateway: keys and values are base64. */
  private String post(EtcdServer etcd, String path, String json) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(etcd.endpoint() + path))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
