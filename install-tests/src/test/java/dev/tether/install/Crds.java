package dev.tether.install;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/** The chart's CRD applied the way docs/install.md tells admins to (server-side apply), and served. */
final class Crds {
  private Crds() {}

  static void apply(KubernetesClient admin, TetherChart chart) {
    try (InputStream in = Files.newInputStream(chart.chartCrd())) {
      var crd = admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      var resource = admin.apiextensions().v1().customResourceDefinitions().resource(crd);
      resource.forceConflicts().serverSideApply();
      resource.waitUntilCondition(Crds::established, 30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
