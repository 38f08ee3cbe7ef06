package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EtcdServerIT {
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

  @Test
  void compactHistoryDropsEveryEarlierRevision() {
    try (EtcdServer etcd = EtcdServer.start()) {
      post(etcd, "/v3/kv/put", "{\"key\":\"%s\",\"value\":\"%s\"}".formatted(b64("session"), b64("epoch-1")));
      post(etcd, "/v3/kv/put", "{\"key\":\"%s\",\"value\":\"%s\"}".formatted(b64("session"), b64("epoch-2")));

      etcd.compactHistory();

      assertThat(post(etcd, "/v3/kv/range", "{\"key\":\"%s\"}".formatted(b64("session")))).contains(b64("epoch-2"));
      assertThatThrownBy(() -> post(etcd, "/v3/kv/range", "{\"key\":\"%s\",\"revision\":\"3\"}"
          .formatted(b64("session")))).hasMessageContaining("compacted");
    }
  }

  private static String post(EtcdServer etcd, String path, String json) {
    return etcd.gateway(path, json);
  }

  private static String b64(String text) {
    return EtcdServer.base64(text);
  }
}
