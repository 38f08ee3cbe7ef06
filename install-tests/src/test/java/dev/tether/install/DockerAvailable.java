package dev.tether.install;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a test class only where Testcontainers finds a Docker engine; elsewhere the tests are reported as
 * skipped with the reason, and nothing is pulled or started.
 */
final class DockerAvailable implements ExecutionCondition {
  static final String SKIPPED = "Docker is not available: k3s end-to-end tests skipped";

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return DockerClientFactory.instance().isDockerAvailable()
        ? ConditionEvaluationResult.enabled("Docker is available")
        : ConditionEvaluationResult.disabled(SKIPPED);
  }
}
