package dev.tether.store;

/** etcd refused the call: bad credentials, or the user's roles do not cover the key. */
public class StoreAccessDeniedException extends StoreException {
  public StoreAccessDeniedException(String message, Throwable cause) {
    super(message, cause);
  }
}
