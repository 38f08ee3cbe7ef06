package dev.tether.operator.controller;

/**
 * The apiserver refused to create an incarnation's pod with 403: a ResourceQuota, a LimitRange, Pod Security
 * Admission or missing RBAC. No pod was created, so the epoch it was meant for stays unused and its pod is
 * created again on a later pass, without counting a migration.
 */
public final class PodForbiddenException extends RuntimeException {
  public PodForbiddenException(String pod, String message) {
    super("creating pod " + pod + " was forbidden: " + message);
  }
}
