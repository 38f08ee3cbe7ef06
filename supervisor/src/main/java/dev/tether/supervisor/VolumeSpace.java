package dev.tether.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The operations on the checkpoint volume that run out of space: writing a blob, linking it under its name, and
 * how much room is left. {@link #REAL} is the file system; tests substitute a volume that fills up, since a full
 * one cannot be made without root or a loop mount.
 */
interface VolumeSpace {
  /** The message of the {@link FileSystemException} the JDK throws for {@code ENOSPC}. */
  String NO_SPACE = "No space left on device";

  VolumeSpace REAL = new VolumeSpace() {
    @Override
    public void write(FileChannel channel, Path file, ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }

    @Override
    public void link(Path link, Path existing) throws IOException {
      Files.createLink(link, existing);
    }

    @Override
    public long usableSpace(Path dir) throws IOException {
      return Files.getFileStore(dir).getUsableSpace();
    }
  };

  /** Writes all of {@code bytes} to {@code file} through its open channel, at the channel's position. */
  void write(FileChannel channel, Path file, ByteBuffer bytes) throws IOException;

  /** {@link Files#createLink}. */
  void link(Path link, Path existing) throws IOException;

  /** Bytes this process can still write to the volume that holds {@code dir}. */
  long usableSpace(Path dir) throws IOException;

  /**
   * Whether {@code e}, thrown by a write or link that needed {@code needed} more bytes, means the volume is full:
   * the kernel said {@code ENOSPC}, or the volume has less room than was needed (some file systems report a full
   * disk otherwise, e.g. {@code EDQUOT} or an I/O error on a network volume).
   */
  default boolean isFull(IOException e, Path dir, long needed) {
    if (e instanceof FileSystemException fs && fs.getReason() != null && fs.getReason().contains(NO_SPACE)) {
      return true;
    }
    if (e.getMessage() != null && e.getMessage().contains(NO_SPACE)) {
      return true;
    }
    try {
      return usableSpace(dir) < needed;
    } catch (IOException | RuntimeException unknown) {
      return false;
    }
  }
}
