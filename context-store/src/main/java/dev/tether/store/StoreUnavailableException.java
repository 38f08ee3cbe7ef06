package dev.tether.store;

/** etcd could not be reached (or did not answer) within the operation timeout. Retrying later may work. */
public class StoreUnavailableException extends StoreException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
