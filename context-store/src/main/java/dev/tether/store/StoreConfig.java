package dev.tether.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach etcd.
 *
 * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}
 * @param username optional etcd user (auth enabled); password goes with it
 * @param caFile optional CA bundle to verify the etcd server (TLS)
 * @param certFile optional client certificate (mutual TLS), together with {@code keyFile}
 * @param rootPrefix prefix of every key, ending in '/'; default {@value #DEFAULT_ROOT_PREFIX}
 * @param operationTimeout how long one call may take before it fails with {@link StoreUnavailableException}
 */
public record StoreConfig(List<String> endpoints, String username, String password, Path caFile, Path certFile,
                          Path keyFile, String rootPrefix, Duration operationTimeout) {
  public static final String DEFAULT_ROOT_PREFIX = "/tether/";
  public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(5);

  public StoreConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one etcd endpoint is needed");
    }
    rootPrefix = rootPrefix == null ? DEFAULT_ROOT_PREFIX : rootPrefix;
    if (!rootPrefix.endsWith("/")) {
      throw new IllegalArgumentException("rootPrefix must end with '/': " + rootPrefix);
    }
    operationTimeout = operationTimeout == null ? DEFAULT_OPERATION_TIMEOUT : operationTimeout;
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("certFile and keyFile go together");
    }
    if (username != null) {
      Objects.requireNonNull(password, "password for user " + username);
    }
  }

  /** Plain connection to the given endpoints with the defaults. */
  public static StoreConfig of(String... endpoints) {
    return new StoreConfig(List.of(endpoints), null, null, null, null, null, null, null);
  }

  public StoreConfig withCredentials(String username, String password) {
    return new StoreConfig(endpoints, username, password, caFile, certFile, keyFile, rootPrefix, operationTimeout);
  }

  public StoreConfig withTls(Path caFile, Path certFile, Path keyFile) {
    return new StoreConfig(endpoints, username, password, caFile, certFile, keyFile, rootPrefix, operationTimeout);
  }

  public StoreConfig withRootPrefix(String rootPrefix) {
    return new StoreConfig(endpoints, username, password, caFile, certFile, keyFile, rootPrefix, operationTimeout);
  }

  public StoreConfig withOperationTimeout(Duration operationTimeout) {
    return new StoreConfig(endpoints, username, password, caFile, certFile, keyFile, rootPrefix, operationTimeout);
  }

  public Optional<String> user() {
    return Optional.ofNullable(username);
  }

  @Override
  public String toString() {
    // never print the password
    return "StoreConfig[endpoints=" + endpoints + ", username=" + username + ", caFile=" + caFile
        + ", certFile=" + certFile + ", rootPrefix=" + rootPrefix + ", operationTimeout=" + operationTimeout + "]";
  }
}
