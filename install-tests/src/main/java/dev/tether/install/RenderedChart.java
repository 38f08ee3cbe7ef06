package dev.tether.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/** The objects of a rendered chart, as Fabric8 models (unknown kinds as GenericKubernetesResource). */
public record RenderedChart(List<HasMetadata> objects) {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  public RenderedChart {
    objects = List.copyOf(objects);
  }

  /** Parses multi-document YAML as printed by {@code helm template}. */
  public static RenderedChart parse(String yaml) {
    Object parsed = SERIALIZATION.unmarshal(yaml);
    if (parsed == null) {
      return new RenderedChart(List.of());
    }
    if (parsed instanceof HasMetadata single) {
      return new RenderedChart(List.of(single));
    }
    return new RenderedChart(((List<?>) parsed).stream()
        .filter(Objects::nonNull)
        .map(HasMetadata.class::cast)
        .toList());
  }

  public <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public <T extends HasMetadata> Optional<T> find(Class<T> type, Predicate<? super T> condition) {
    return all(type).stream().filter(condition).findFirst();
  }

  /** The only object of this type; fails if there are none or several. */
  public <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new IllegalStateException("expected one " + type.getSimpleName() + " but found " + found.size());
    }
    return found.get(0);
  }

  public List<HasMetadata> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  public RenderedChart filter(Predicate<? super HasMetadata> keep) {
    return new RenderedChart(objects.stream().filter(keep).map(HasMetadata.class::cast).toList());
  }
}
