package dev.tether.install;

import dev.tether.testbed.ControlPlane;

/**
 * One kube-apiserver for all integration tests of this JVM: starting one takes seconds. The tests keep out
 * of each other's way by using their own release names and namespaces. Stopped when the JVM exits.
 */
final class SharedControlPlane {
  private static ControlPlane controlPlane;

  private SharedControlPlane() {}

  static synchronized ControlPlane get() {
    if (controlPlane == null) {
      controlPlane = ControlPlane.start();
      Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::close, "control-plane-stop"));
    }
    return controlPlane;
  }

  /** The apiserver's version, e.g. v1.20.2, for rendering the way helm install would against it. */
  static String kubeVersion() {
    return get().client().getKubernetesVersion().getGitVersion();
  }
}
