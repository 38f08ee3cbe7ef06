package dev.tether.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that drops {@code metadata.managedFields} of what it keeps. The operator never reads
 * them for these objects (pods, nodes, leases and its own AgentSessions are not written with server-side
 * apply), and they are a large share of every cached object. Not for the PVC, Service and
 * PodDisruptionBudget informers: JOSDK's server-side-apply matching reads their managedFields.
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
