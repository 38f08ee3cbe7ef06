package dev.tether.operator.controller;

/**
 * The apiserver refused the pod built from the session's template (e.g. a volumeMount without its volume).
 * Retrying cannot help until the spec changes, so it is reported like an invalid spec.
 */
public final class PodRejectedException extends RuntimeException {
  public PodRejectedException(String pod, String message) {
    super("the apiserver rejected pod " + pod + " built from spec.template: " + message);
  }

  /** Refused for another reason than the template, said in full. */
  public PodRejectedException(String message) {
    super(message);
  }
}
