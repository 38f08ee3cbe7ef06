package dev.tether.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts finished reconciliations per session, so a test can wait for "the operator looked again". */
public final class ReconcileCounter implements Metrics {
  private final Map<String, AtomicLong> finished = new ConcurrentHashMap<>();

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    finished.computeIfAbsent(key(resource.getMetadata().getNamespace(), resource.getMetadata().getName()),
        k -> new AtomicLong()).incrementAndGet();
  }

  public long count(String namespace, String name) {
    AtomicLong n = finished.get(key(namespace, name));
    return n == null ? 0 : n.get();
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
