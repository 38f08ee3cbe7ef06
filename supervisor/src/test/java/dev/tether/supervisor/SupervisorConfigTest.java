package dev.tether.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd credentials as the operator delivers them: files of the namespace's Secret, or env vars. */
class SupervisorConfigTest {
  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("TETHER_ETCD_ENDPOINTS", "http://etcd:2379");
    env.put("TETHER_SESSION_NAMESPACE", "team-a");
    env.put("TETHER_SESSION_NAME", "agent");
    env.put("TETHER_EPOCH", "1");
    env.put("TETHER_CHECKPOINT_DIR", "/var/lib/tether/checkpoints");
    return env;
  }

  @Test
  void theObjectStoreModeAndLagComeFromTheEnvironment() {
    Map<String, String> env = env();
    env.put("TETHER_OBJECT_STORE_ENDPOINT", "http://s3.tether:8080");
    env.put("TETHER_OBJECT_STORE_BUCKET", "checkpoints");
    env.put("TETHER_OBJECT_STORE_PREFIX", "team-a/chat/uid/");
    env.put("TETHER_OBJECT_STORE_ACCESS_KEY_ID", "id");
    env.put("TETHER_OBJECT_STORE_SECRET_ACCESS_KEY", "secret");
    ObjectStoreConfig sync = SupervisorConfig.fromEnv(env).objectStore();
    assertThat(sync.mode()).isEqualTo(ObjectStoreConfig.Mode.Synchronous);
    assertThat(sync.toString()).doesNotContain("secret");
    env.put("TETHER_OBJECT_STORE_MODE", "Asynchronous");
    env.put("TETHER_OBJECT_STORE_MAX_LAG_SECONDS", "45");
    ObjectStoreConfig async = SupervisorConfig.fromEnv(env).objectStore();
    assertThat(async.mode()).isEqualTo(ObjectStoreConfig.Mode.Asynchronous);
    assertThat(async.maxLag()).isEqualTo(java.time.Duration.ofSeconds(45));
    env.put("TETHER_OBJECT_STORE_MODE", "Eventually");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SupervisorConfig.fromEnv(env))
        .hasMessageContaining("TETHER_OBJECT_STORE_MODE must be Synchronous or Asynchronous");
  }

  @Test
  void thePasswordComesFromItsFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("password"), "from-the-file");
    Map<String, String> env = env();
    env.put("TETHER_ETCD_USERNAME", "tether-tenant-team-a");
    env.put("TETHER_ETCD_PASSWORD_FILE", dir.resolve("password").toString());
    env.put("TETHER_ETCD_PASSWORD", "from-env");
    var store = SupervisorConfig.fromEnv(env).store();
    assertThat(store.username()).isEqualTo("tether-tenant-team-a");
    assertThat(store.password()).as("the file wins").isEqualTo("from-the-file");
  }

  @Test
  void envVariablesStillWorkAndNoCredentialsMeansAnonymous() {
    Map<String, String> env = env();
    env.put("TETHER_ETCD_USERNAME", "u");
    env.put("TETHER_ETCD_PASSWORD", "p");
    assertThat(SupervisorConfig.fromEnv(env).store().password()).isEqualTo("p");

    Map<String, String> open = env();
    open.put("TETHER_ETCD_PASSWORD_FILE", "/nonexistent/password");
    assertThat(SupervisorConfig.fromEnv(open).store().username()).isNull();
    assertThat(SupervisorConfig.fromEnv(open).store().password()).isNull();
  }

  @Test
  void aUserWithoutAPasswordIsAClearError() {
    Map<String, String> env = env();
    env.put("TETHER_ETCD_USERNAME", "tether-tenant-team-a");
    env.put("TETHER_ETCD_PASSWORD_FILE", "/nonexistent/password");
    assertThatThrownBy(() -> SupervisorConfig.fromEnv(env)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tether-tenant-team-a has no password").hasMessageContaining("/nonexistent/password");
  }
}
