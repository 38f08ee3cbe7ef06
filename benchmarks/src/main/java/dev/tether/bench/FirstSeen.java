package dev.tether.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * When each object (by key) was first seen in a wanted state, taken from a watch as the event arrives rather
 * than by polling, so recovery times are precise to the watch's delivery delay (milliseconds on loopback).
 */
final class FirstSeen<T extends HasMetadata> implements AutoCloseable {
  private final Function<T, String> key;
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();
  private final SharedIndexInformer<T> informer;
  private volatile Predicate<T> wanted = object -> false;

  FirstSeen(Informable<T> source, Function<T, String> key) {
    this.key = key;
    this.informer = source.inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        check(object);
      }

      @Override
      public void onUpdate(T before, T after) {
        check(after);
      }

      @Override
      public void onDelete(T object, boolean unknownFinalState) {}
    });
  }

  /** Forgets what was seen and from now on records objects in the wanted state (those already in it too). */
  void arm(Predicate<T> state) {
    seen.clear();
    wanted = state;
    informer.getStore().list().forEach(this::check);
  }

  private void check(T object) {
    if (wanted.test(object)) {
      seen.putIfAbsent(key.apply(object), Instant.now());
    }
  }

  Map<String, Instant> seen() {
    return Map.copyOf(seen);
  }

  int count() {
    return seen.size();
  }

  List<T> current() {
    return informer.getStore().list();
  }

  @Override
  public void close() {
    informer.close();
  }
}
