package dev.tether.supervisor;

import java.util.concurrent.CountDownLatch;

/** The sidecar process: configuration from {@code TETHER_*} environment variables, logs to stderr. */
public final class SupervisorMain {
  private SupervisorMain() {}

  public static void main(String[] args) throws Exception {
    // One line per event on stderr, with a timestamp; the libraries only when something is wrong.
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    System.setProperty("org.slf4j.simpleLogger.log.io", "warn");
    SupervisorConfig config;
    try {
      config = SupervisorConfig.fromEnv(System.getenv());
    } catch (RuntimeException e) {
      System.err.println("tether-supervisor: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Supervisor supervisor = Supervisor.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      supervisor.close();
      stopped.countDown();
    }, "tether-supervisor-shutdown"));
    stopped.await();
  }
}
