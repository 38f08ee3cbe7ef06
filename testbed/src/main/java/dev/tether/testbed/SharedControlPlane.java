package dev.tether.testbed;

/**
 * One control plane per JVM for test suites: started on first use with the AgentSession CRD installed
 * and the {@link AuditLog} on, stopped by a shutdown hook. Test classes isolate themselves with {@link Namespaces#create}; they must
 * not close it. A test that stops the apiserver must start it again; {@link #get()} also does.
 */
public final class SharedControlPlane {
  private static ControlPlane instance;

  private SharedControlPlane() {}

  public static synchronized ControlPlane get() {
    if (instance == null) {
      ControlPlane plane = ControlPlane.start(ControlPlane.Options.defaults().withAuditLog());
      try {
        plane.installCrd();
      } catch (RuntimeException e) {
        plane.close();
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(plane::close, "shared-control-plane-stop"));
      instance = plane;
    }
    instance.startApiServer();
    return instance;
  }
}
