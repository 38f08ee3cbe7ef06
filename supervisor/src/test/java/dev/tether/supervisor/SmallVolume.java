package dev.tether.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A checkpoint volume of {@code capacity} bytes, in a directory of the real file system: what the files in the
 * directory take (a hard-linked file once) is used, the rest is free. A write that does not fit writes what
 * does, then fails as the kernel does on a full disk ({@code ENOSPC}).
 */
final class SmallVolume implements VolumeSpace {
  private final long capacity;
  private final AtomicInteger fullWrites = new AtomicInteger();
  private final AtomicInteger linkFailures = new AtomicInteger();

  SmallVolume(long capacity) {
    this.capacity = capacity;
  }

  /** Writes that failed because the volume was full. */
  int fullWrites() {
    return fullWrites.get();
  }

  /** The next {@code times} links fail as on a full volume (no room for the directory entry). */
  void failLinks(int times) {
    linkFailures.set(times);
  }

  @Override
  public void write(FileChannel channel, Path file, ByteBuffer bytes) throws IOException {
    long room = capacity - used(file.getParent()) + Math.max(0, channel.size() - channel.position());
    if (bytes.remaining() <= room) {
      VolumeSpace.REAL.write(channel, file, bytes);
      return;
    }
    if (room > 0) {
      ByteBuffer fits = bytes.duplicate();
      fits.limit(fits.position() + (int) room);
      VolumeSpace.REAL.write(channel, file, fits);
      bytes.position(fits.position());
    }
    fullWrites.incrementAndGet();
    throw new FileSystemException(file.toString(), null, NO_SPACE);
  }

  @Override
  public void link(Path link, Path existing) throws IOException {
    if (linkFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new FileSystemException(link.toString(), existing.toString(), NO_SPACE);
    }
    VolumeSpace.REAL.link(link, existing);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return Math.max(0, capacity - used(dir));
  }

  private static long used(Path dir) throws IOException {
    Set<Object> seen = new HashSet<>();
    long used = 0;
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        BasicFileAttributes attributes;
        try {
          attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException gone) {
          continue;
        }
        Object key = attributes.fileKey() == null ? file : attributes.fileKey();
        if (seen.add(key)) {
          used += attributes.size();
        }
      }
    }
    return used;
  }
}
