package dev.tether.kubectl;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl tether}: AgentSessions from an admin's point of view. kubectl runs any {@code kubectl-tether}
 * on the PATH for it and passes the arguments through, so the cluster options are kubectl's own, accepted
 * after the subcommand too.
 */
// scope INHERIT: every subcommand has --help and --version too.
@Command(name = "kubectl tether", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    version = "kubectl-tether 0.1.0",
    description = "Inspect and steer Tether AgentSessions: status, checkpoints, events, suspend, resume, move.",
    subcommands = {StatusCommand.class, CheckpointsCommand.class, EventsCommand.class, SuspendCommand.class,
        ResumeCommand.class, MoveCommand.class, RestoreCommand.class})
public final class KubectlTether implements Runnable {
  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config).")
  File kubeconfig;

  @Option(names = "--context", scope = ScopeType.INHERIT, paramLabel = "CONTEXT",
      description = "Kubeconfig context to use.")
  String context;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, paramLabel = "NAMESPACE",
      description = "Namespace of the session (default: the context's).")
  String namespace;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;
  private final Clock clock;
  private Config config;

  public KubectlTether(Map<String, String> env, Clock clock) {
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  public static void main(String[] args) {
    // Library logging would drown the output: warnings only, and from jetcd (which warns about each retry
    // of a call that then fails with the error we print) errors only; -D on KUBECTL_TETHER_JAVA_OPTS wins.
    quietByDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    quietByDefault("org.slf4j.simpleLogger.log.io.etcd.jetcd", "error");
    // v1alpha1 is the only version there is: no use warning about it on every run.
    quietByDefault("org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils", "error");
    System.exit(commandLine(System.getenv(), Clock.systemUTC()).execute(args));
  }

  private static void quietByDefault(String property, String level) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, level);
    }
  }

  /** The command line with one-line errors and exit code 1 for anything that goes wrong. */
  public static CommandLine commandLine(Map<String, String> env, Clock clock) {
    CommandLine cli = new CommandLine(new KubectlTether(env, clock));
    cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
      commandLine.getErr().println("error: " + oneLine(e));
      commandLine.getErr().flush();
      return 1;
    });
    return cli;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** A client for the kubeconfig and context chosen, the way kubectl picks them. */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** The namespace given with -n, else the kubeconfig context's, else default. */
  String namespace() {
    if (namespace != null) {
      return namespace;
    }
    String fromContext = config().getNamespace();
    return fromContext == null || fromContext.isBlank() ? "default" : fromContext;
  }

  private Config config() {
    if (config == null) {
      if (kubeconfig != null && !kubeconfig.isFile()) {
        throw new CliError("kubeconfig " + kubeconfig + " does not exist");
      }
      config = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig) : Config.autoConfigure(context);
    }
    return config;
  }

  Map<String, String> env() {
    return env;
  }

  Clock clock() {
    return clock;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** The message and, when it adds something, the innermost cause: a stack trace is no use to an admin. */
  static String oneLine(Throwable e) {
    if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
      // What kubectl prints too: the apiserver's own words, not the request dump around them.
      return ("from server (" + k.getStatus().getReason() + "): " + k.getStatus().getMessage())
          .replaceAll("\\s*\\R\\s*", " ").trim();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
      message = message + ": " + root.getMessage();
    }
    return message.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}
