package dev.tether.install;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tether-operator chart in this repository, and the helm commands run on it: lint, template, install.
 * The repository root comes from the system property {@code tether.repo.root} (set by the build), else it is
 * the nearest directory above the working directory that holds {@code helm/tether-operator/Chart.yaml}.
 */
public final class TetherChart {
  public static final String CHART_PATH = "helm/tether-operator";
  public static final String CRD_FILE = "agentsessions.tether.dev-v1.yml";

  private final Path repoRoot;
  private final Helm helm;

  private TetherChart(Path repoRoot, Helm helm) {
    this.repoRoot = repoRoot;
    this.helm = helm;
  }

  public static TetherChart locate() {
    return new TetherChart(findRepoRoot(), Helm.locate());
  }

  static Path findRepoRoot() {
    String configured = System.getProperty("tether.repo.root");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(CHART_PATH).resolve("Chart.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no " + CHART_PATH + "/Chart.yaml above " + Path.of("").toAbsolutePath()
        + "; set -Dtether.repo.root");
  }

  public Path repoRoot() {
    return repoRoot;
  }

  public Path dir() {
    return repoRoot.resolve(CHART_PATH);
  }

  /** The CRD as shipped in the chart's crds/ directory (installed by helm install, never upgraded). */
  public Path chartCrd() {
    return dir().resolve("crds").resolve(CRD_FILE);
  }

  /** The CRD in the repository's crds/ directory, which admins apply before upgrades. */
  public Path repoCrd() {
    return repoRoot.resolve("crds").resolve(CRD_FILE);
  }

  public Helm helm() {
    return helm;
  }

  /** {@code helm lint --strict} with extra arguments such as {@code -f values.yaml}. */
  public HelmResult lint(String... args) {
    return helm.run(Helm.args(List.of("lint", "--strict", dir().toString()), args));
  }

  /** {@code helm template}; the result tells whether the values were accepted. */
  public HelmResult template(String release, String namespace, String... args) {
    return helm.run(Helm.args(List.of("template", release, dir().toString(), "--namespace", namespace), args));
  }

  /** The objects {@code helm template} renders; fails if helm does. */
  public RenderedChart render(String release, String namespace, String... args) {
    return RenderedChart.parse(template(release, namespace, args).orThrow());
  }

  /** {@code helm install --create-namespace} into the cluster of the kubeconfig file. */
  public HelmResult install(Path kubeconfig, String release, String namespace, String... args) {
    List<String> command = new ArrayList<>(List.of("install", release, dir().toString(),
        "--namespace", namespace, "--create-namespace"));
    command.addAll(List.of(args));
    return helm.withKubeconfig(kubeconfig).run(command);
  }

  public HelmResult uninstall(Path kubeconfig, String release, String namespace) {
    return helm.withKubeconfig(kubeconfig).run("uninstall", release, "--namespace", namespace);
  }
}
