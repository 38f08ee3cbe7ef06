package dev.tether.testbed.sim;

import dev.tether.testbed.ControlPlane;

/** One real apiserver for all simulation tests in the JVM: it takes seconds to start. */
final class SharedControlPlane {
  private static ControlPlane instance;
  private static RuntimeException failure;

  private SharedControlPlane() {}

  static synchronized ControlPlane get() {
    if (failure != null) {
      throw failure; // one failed start is enough: every retry would leave another apiserver behind
    }
    if (instance == null) {
      try {
        instance = ControlPlane.start();
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
      ControlPlane started = instance;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "control-plane-stop"));
    }
    return instance;
  }
}
