package dev.tether.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that drops {@code metadata.managedFields} of what it keeps. The operator never reads
 * them, and they are a large share of every cached object: pods, nodes, leases and AgentSessions are not written
 * with server-side apply; the checkpoint claim is never updated; the Service and PodDisruptionBudget are
 * compared field by field instead of by JOSDK's server-side-apply matcher, which would read them.
 */
public class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {

  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    if (obj != null && obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
