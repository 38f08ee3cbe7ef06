package dev.tether.store;

import static dev.tether.store.ContextStore.bytes;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.auth.Permission;
import java.util.concurrent.CompletableFuture;

/**
 * Scopes etcd credentials to one namespace with etcd's own RBAC: a role per namespace with read-write on
 * {@code <root>sessions/<namespace>/} and nothing else, and a user holding that role. The session pods of
 * that namespace get the user; they can then neither read nor write another tenant's sessions.
 *
 * <p>Use it with a store connected as {@code root} (or before auth is enabled). Every call is idempotent.
 */
public final class TenantAccess {
  public static final String ROOT = "root";
  public static final String OPERATOR_ROLE = "tether-operator";

  private final ContextStore store;
  private final Auth auth;

  public TenantAccess(ContextStore store) {
    this.store = store;
    this.auth = store.client().getAuthClient();
  }

  /** The role name for a namespace. */
  public static String roleFor(String namespace) {
    SessionKey.requireName("namespace", namespace);
    return "tether-tenant-" + namespace;
  }

  /** Creates the {@code root} user with the {@code root} role, which etcd requires before auth is enabled. */
  public void ensureRootUser(String password) {
    ignoringExisting("add user root", auth.userAdd(bytes(ROOT), bytes(password)));
    store.calls().await("grant root role", auth.userGrantRole(bytes(ROOT), bytes(ROOT)));
  }

  /** Turns authentication on; from then on every client needs credentials. */
  public void enableAuth() {
    ignoringExisting("enable auth", auth.authEnable());
  }

  /** A user with read-write on every session (for the operator). */
  public void grantOperator(String user, String password) {
    grant(OPERATOR_ROLE, store.keys().sessions(), user, password);
  }

  /** A user with read-write on the sessions of one namespace only. */
  public void grantTenant(String namespace, String user, String password) {
    grant(roleFor(namespace), store.keys().namespace(namespace), user, password);
  }

  /**
   * Sets an existing user's password, e.g. to what the Secret its clients read says after etcd lost the user's
   * own (restored from an older backup, or from scratch and the user added again).
   */
  public void setPassword(String user, String password) {
    store.calls().await("change the password of " + user, auth.userChangePassword(bytes(user), bytes(password)));
  }

  /** Removes the namespace's role (and so the access of every user holding it). */
  public void revokeTenant(String namespace) {
    ignoringMissing("delete role", auth.roleDelete(bytes(roleFor(namespace))));
  }

  /** Removes a user; one that is gone already is fine. */
  public void removeUser(String user) {
    ignoringMissing("delete user " + user, auth.userDelete(bytes(user)));
  }

  private void grant(String role, String prefix, String user, String password) {
    ignoringExisting("add role " + role, auth.roleAdd(bytes(role)));
    ByteSequence key = bytes(prefix);
    store.calls().await("grant " + role + " on " + prefix,
        auth.roleGrantPermission(bytes(role), key, prefixEnd(key), Permission.Type.READWRITE));
    ignoringExisting("add user " + user, auth.userAdd(bytes(user), bytes(password)));
    store.calls().await("grant role " + role + " to " + user, auth.userGrantRole(bytes(user), bytes(role)));
  }

  /** The first key after every key that starts with {@code prefix} (etcd's range end for a prefix). */
  static ByteSequence prefixEnd(ByteSequence prefix) {
    byte[] end = prefix.getBytes();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteSequence.from(java.util.Arrays.copyOf(end, i + 1));
      }
    }
    return ByteSequence.from(new byte[] {0});
  }

  private void ignoringExisting(String what, CompletableFuture<?> call) {
    try {
      store.calls().await(what, call);
    } catch (StoreException e) {
      if (!(e instanceof StoreUnavailableException) && String.valueOf(e.getMessage()).contains("already")) {
        return;
      }
      throw e;
    }
  }

  private void ignoringMissing(String what, CompletableFuture<?> call) {
    try {
      store.calls().await(what, call);
    } catch (StoreException e) {
      if (!(e instanceof StoreUnavailableException) && String.valueOf(e.getMessage()).contains("not found")) {
        return;
      }
      throw e;
    }
  }
}
