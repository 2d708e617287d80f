package io.pipewright.internal.hash;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pipewright.DataFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Manifests of files and folders (path, size and SHA-256 of each regular file), reading each version of a file only
 * once. It computes the same manifests as a plain walk that hashes every file, but:
 *
 * <ul>
 *   <li><b>Memo.</b> A file is identified by a {@link HashMemo.Key}: its absolute path, size, last-modified time at
 *       full precision and file key (device and inode). A file whose key was hashed before is not read again. Keys
 *       are looked up in a bounded in-memory cache (Caffeine), then, for the misses, in one batch in the persistent
 *       {@link HashMemo}; new hashes go to both. A file whose size, time or inode changed (edited, replaced, moved
 *       over) is read again.
 *   <li><b>Parallel.</b> Files not found are hashed by up to {@code parallelism} workers on the given executor, the
 *       calling thread being one of them; largest files first. Each worker streams files through one direct buffer
 *       (256 KiB by default), never holding a whole file in memory.
 * </ul>
 *
 * <p><b>What the memo cannot see, and why that is acceptable.</b> A change that keeps the size and the modification
 * time identical to the nanosecond, on the same inode, is not seen: the old hash is returned. Writing a file sets its
 * modification time to the current time, so this only happens when a tool sets the time back on purpose (e.g.
 * {@code touch -r}, {@code rsync -t} of same-size content) or the clock goes back. This is the contract {@code make},
 * {@code git status} and {@code rsync} rely on too, and reading every byte of every input on every run is what this
 * class exists to avoid. Two writes in the same clock tick (file systems stamp times with a coarse clock: a few ms
 * on Linux, 1–2 s on FAT, HFS+ or ext3) would also look alike; so, as git does with "racily clean" entries, a file
 * modified less than 20 ms before the manifest started (2 s when its time has no sub-second part) is hashed but not
 * remembered. A file written while it is being read is read again (up to 3 times; then it is an error), so a hash is
 * only remembered for content that matched its key from start to end. Network file systems stamp times with the
 * server's clock; a skew larger than the window weakens the racy check.
 *
 * <p><b>Symbolic links.</b> A link to a regular file is followed wherever it points: the manifest lists the link's
 * path with the target's content, and the memo key is the link's path with the target's size, time and inode, so
 * retargeting the link or changing its target is seen. Links to folders inside the tree are neither followed nor
 * listed (as {@code Files.walk} does), so a link loop cannot make a walk hang; the input itself ({@code fileOrFolder})
 * is followed if it is a link. A dangling link is skipped (it has no content); a link chain that loops is an error.
 * Other non-regular files (fifos, sockets, devices) are skipped.
 *
 * <p><b>Errors.</b> Failures are thrown as {@link UncheckedIOException} with a one-line message naming the file and
 * the reason, e.g. {@code cannot read input file /data/x.csv: Permission denied}; the cause is the original
 * exception. After a failure no further file is started; failures of reads already under way are suppressed on the
 * first. If the calling thread is interrupted, the remaining work is abandoned and the interrupt status is kept.
 *
 * <p>Thread-safe: one instance serves concurrent manifests (two manifests needing the same new file may both read
 * it). It keeps up to {@code parallelism} buffers for reuse.
 *
 * <pre>{@code
 * FileHasher hasher = FileHasher.builder(pool).memo(runStoreMemo).build();
 * List<DataFile> files = hasher.manifest(dir, dir);
 * }</pre>
 */
public final class FileHasher {
  /**
   * Default size of each worker's direct read buffer. Measured with {@code bench/ReadStrategyBenchmark} (figures in
   * bench/README.md): direct buffers of 64 KiB to 4 MiB, heap buffers and streams all reach 83–91 % of the digest's
   * in-memory rate, within noise of one another; memory mapping reaches 55 %. Direct 256 KiB was among the fastest in
   * every run, fits in a core's L2 cache, and spares the temporary direct buffer the JDK keeps per thread for reads
   * into heap buffers.
   */
  public static final int DEFAULT_BUFFER_SIZE = 256 << 10;

  /** Default bound of the in-memory cache: about 450 bytes per file (measured, 85-character paths), 45 MB full. */
  public static final long DEFAULT_MAXIMUM_CACHED_FILES = 100_000;

  private static final Duration RACY_WINDOW = Duration.ofMillis(20);
  private static final Duration RACY_WINDOW_COARSE = Duration.ofSeconds(2);
  private static final int MAX_READS = 3;

  private final Executor executor;
  private final int parallelism;
  private final HashMemo memo;
  private final Clock clock;
  private final int bufferSize;
  private final Cache<HashMemo.Key, String> cache;
  private final BlockingQueue<ByteBuffer> buffers;
  private final LongAdder files = new LongAdder();
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder memoHits = new LongAdder();
  private final LongAdder reads = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();

  private FileHasher(Builder b) {
    this.executor = b.executor;
    this.parallelism = b.parallelism;
    this.memo = b.memo;
    this.clock = b.clock;
    this.bufferSize = b.bufferSize;
    // Eviction work on the calling thread: it is small, and it keeps Caffeine off the common pool.
    this.cache = Caffeine.newBuilder().maximumSize(b.maximumCachedFiles).executor(Runnable::run).build();
    this.buffers = new ArrayBlockingQueue<>(b.parallelism);
  }

  /**
   * A builder whose hasher runs its extra workers on {@code executor}. Any executor works, a saturated or
   * same-thread one included: the calling thread always works too, and a task the executor rejects is done by it.
   */
  public static Builder builder(Executor executor) {
    return new Builder(Objects.requireNonNull(executor, "executor"));
  }

  /**
   * The manifest of a file or folder: each regular file with its path relative to {@code root} ('/' separators),
   * size and SHA-256, sorted by path. For a single file, {@code root} is usually its parent.
   *
   * @throws IllegalArgumentException if {@code fileOrFolder} is not {@code root} or under it
   * @throws UncheckedIOException if a file or folder cannot be read (see the class comment)
   */
  public List<DataFile> manifest(Path root, Path fileOrFolder) {
    Instant started = clock.instant();
    List<Job> jobs = list(root, fileOrFolder);
    files.add(jobs.size());

    List<Job> misses = new ArrayList<>();
    for (Job job : jobs) {
      job.hash = cache.getIfPresent(job.key);
      if (job.hash == null) {
        misses.add(job);
      }
    }
    cacheHits.add(jobs.size() - misses.size());

    if (!misses.isEmpty()) {
      Map<HashMemo.Key, String> known = memo.load(misses.stream().map(j -> j.key).toList());
      List<Job> unknown = new ArrayList<>();
      for (Job job : misses) {
        job.hash = known.get(job.key);
        if (job.hash == null) {
          unknown.add(job);
        } else {
          cache.put(job.key, job.hash);
        }
      }
      memoHits.add(misses.size() - unknown.size());
      if (!unknown.isEmpty()) {
        new Batch(unknown, fileOrFolder.toAbsolutePath().normalize()).run();
        Map<HashMemo.Key, String> computed = new LinkedHashMap<>();
        for (Job job : unknown) {
          if (settled(job.key, started)) {
            computed.put(job.key, job.hash);
          }
        }
        if (!computed.isEmpty()) {
          cache.putAll(computed);
          memo.store(computed);
        }
      }
    }

    List<DataFile> manifest = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      manifest.add(new DataFile(job.relative, job.key.size(), job.hash));
    }
    return manifest;
  }

  /** Counts since this hasher was built. */
  public Stats stats() {
    return new Stats(files.sum(), cacheHits.sum(), memoHits.sum(), reads.sum(), bytesRead.sum());
  }

  /**
   * What a hasher has done.
   *
   * @param files files listed in manifests, each time they were listed
   * @param cacheHits of those, found in the in-memory cache
   * @param memoHits of those, found in the {@link HashMemo}
   * @param reads times a file was opened and read to the end to hash it (a file that changed while it was being read
   *     counts more than once)
   * @param bytesRead bytes read to hash them
   */
  public record Stats(long files, long cacheHits, long memoHits, long reads, long bytesRead) {}

  /** Options of a {@link FileHasher}; every one has a default. */
  public static final class Builder {
    private final Executor executor;
    private int parallelism = Runtime.getRuntime().availableProcessors();
    private HashMemo memo = HashMemo.none();
    private long maximumCachedFiles = DEFAULT_MAXIMUM_CACHED_FILES;
    private Clock clock = Clock.systemUTC();
    private int bufferSize = DEFAULT_BUFFER_SIZE;

    private Builder(Executor executor) {
      this.executor = executor;
    }

    /** The most files hashed at once by one manifest, the calling thread included; default: available processors. */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
      }
      this.parallelism = parallelism;
      return this;
    }

    /** Where hashes outlive the process; default: {@link HashMemo#none()}. */
    public Builder memo(HashMemo memo) {
      this.memo = Objects.requireNonNull(memo, "memo");
      return this;
    }

    /** The bound of the in-memory cache, in files; 0 keeps none. Default {@value #DEFAULT_MAXIMUM_CACHED_FILES}. */
    public Builder maximumCachedFiles(long maximumCachedFiles) {
      if (maximumCachedFiles < 0) {
        throw new IllegalArgumentException("maximumCachedFiles must be >= 0, was " + maximumCachedFiles);
      }
      this.maximumCachedFiles = maximumCachedFiles;
      return this;
    }

    /** The clock the racy-file check compares modification times with; default: the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The size of each worker's read buffer in bytes; default {@value #DEFAULT_BUFFER_SIZE}. */
    public Builder bufferSize(int bufferSize) {
      if (bufferSize < 1) {
        throw new IllegalArgumentException("bufferSize must be >= 1, was " + bufferSize);
      }
      this.bufferSize = bufferSize;
      return this;
    }

    public FileHasher build() {
      return new FileHasher(this);
    }
  }

  /** One file of a manifest; {@code key} and {@code hash} are final once the manifest has them. */
  private static final class Job {
    final String relative;
    final Path file;
    HashMemo.Key key;
    String hash;

    Job(String relative, Path file, HashMemo.Key key) {
      this.relative = relative;
      this.file = file;
      this.key = key;
    }
  }

  private static List<Job> list(Path root, Path fileOrFolder) {
    Path base = root.toAbsolutePath().normalize();
    Path start = fileOrFolder.toAbsolutePath().normalize();
    if (!start.startsWith(base)) {
      throw new IllegalArgumentException("input " + start + " is not under its root " + base);
    }
    String prefix = slashes(base.relativize(start));
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(start, BasicFileAttributes.class);
    } catch (IOException e) {
      throw failure("cannot read input " + start, e);
    }
    if (attributes.isRegularFile()) {
      return List.of(new Job(prefix, start, key(start, attributes)));
    }
    if (!attributes.isDirectory()) {
      return List.of();
    }
    Lister lister;
    try {
      // A link given as the input is followed; the walk below follows no link to a folder.
      Path from = Files.isSymbolicLink(start) ? start.toRealPath() : start;
      lister = new Lister(from, prefix);
      Files.walkFileTree(from, lister);
    } catch (IOException e) {
      throw failure("cannot read input folder " + start, e);
    }
    lister.found.sort(Comparator.comparing(j -> j.relative));
    return lister.found;
  }

  /** Collects the regular files of a tree, and links to regular files, with their keys. */
  private static final class Lister extends SimpleFileVisitor<Path> {
    private final Path from;
    private final String prefix;
    final List<Job> found = new ArrayList<>();

    Lister(Path from, String prefix) {
      this.from = from;
      this.prefix = prefix;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
      if (attributes.isRegularFile()) {
        add(file, attributes);
      } else if (attributes.isSymbolicLink()) {
        BasicFileAttributes target;
        try {
          target = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException dangling) {
          return FileVisitResult.CONTINUE;
        } catch (IOException e) {
          throw failure("cannot read input file " + file, e);
        }
        if (target.isRegularFile()) {
          add(file, target);
        }
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) {
      boolean folder = Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS);
      throw failure("cannot read input " + (folder ? "folder " : "file ") + file, e);
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException e) {
      if (e != null) {
        throw failure("cannot read input folder " + dir, e);
      }
      return FileVisitResult.CONTINUE;
    }

    private void add(Path file, BasicFileAttributes attributes) {
      String relative = slashes(from.relativize(file));
      found.add(new Job(prefix.isEmpty() ? relative : prefix + "/" + relative, file, key(file, attributes)));
    }
  }

  private static String slashes(Path relative) {
    return relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
  }

  private static HashMemo.Key key(Path file, BasicFileAttributes attributes) {
    Object fileKey = attributes.fileKey();
    return new HashMemo.Key(file.toString(), attributes.size(), attributes.lastModifiedTime().toInstant(),
        fileKey == null ? "" : fileKey.toString());
  }

  /**
   * Whether a file's key can be remembered: modified long enough before the manifest started that any later write
   * gets a different time, even from a coarse file-system clock.
   */
  private static boolean settled(HashMemo.Key key, Instant started) {
    Duration window = key.modified().getNano() == 0 ? RACY_WINDOW_COARSE : RACY_WINDOW;
    return key.modified().isBefore(started.minus(window));
  }

  /**
   * The files of one manifest that must be read, shared by the calling thread and the helpers it submits. Each worker
   * takes the next file until none is left; the caller then waits only for files already being read.
   */
  private final class Batch {
    private final List<Job> jobs;
    private final Path input;
    private final AtomicInteger next = new AtomicInteger();
    private final CountDownLatch done;
    private final AtomicReference<Throwable> failure =
        new AtomicReference<>();

    Batch(List<Job> jobs, Path input) {
      this.jobs = new ArrayList<>(jobs);
      // Largest first, so that a big file does not start last and leave the other workers idle.
      this.jobs.sort(Comparator.comparingLong((Job j) -> j.key.size()).reversed());
      this.input = input;
      this.done = new CountDownLatch(jobs.size());
    }

    void run() {
      int helpers = Math.min(parallelism, jobs.size()) - 1;
      for (int i = 0; i < helpers; i++) {
        try {
          executor.execute(this::work);
        } catch (RejectedExecutionException e) {
          break; // the calling thread does the rest
        }
      }
      work();
      try {
        if (done.getCount() > 0) { // await() would throw for an interrupt even with nothing left to wait for
          done.await();
        }
      } catch (InterruptedException e) {
        failure.compareAndSet(null, e);
        Thread.currentThread().interrupt();
        throw new UncheckedIOException("interrupted while hashing input " + input, new InterruptedIOException());
      }
      Throwable first = failure.get();
      if (first instanceof RuntimeException r) {
        throw r;
      }
      if (first instanceof Error r) {
        throw r;
      }
      if (first != null) {
        throw new IllegalStateException(first);
      }
    }

    private void work() {
      ByteBuffer buffer = null;
      MessageDigest digest = null;
      try {
        for (int i; (i = next.getAndIncrement()) < jobs.size(); ) {
          try {
            if (failure.get() == null) {
              if (buffer == null) {
                buffer = takeBuffer();
                digest = newSha256();
              }
              hash(jobs.get(i), buffer, digest);
            }
          } catch (Throwable t) {
            if (!failure.compareAndSet(null, t) && t != Abandoned.INSTANCE) {
              failure.get().addSuppressed(t);
            }
          } finally {
            done.countDown();
          }
        }
      } finally {
        if (buffer != null) {
          buffers.offer(buffer);
        }
      }
    }

    /** Hashes a file, again if its key changed while it was being read, and sets its final key and hash. */
    private void hash(Job job, ByteBuffer buffer, MessageDigest digest) {
      for (int attempt = 1; ; attempt++) {
        String hash = read(job.file, buffer, digest);
        HashMemo.Key after;
        try {
          after = key(job.file, Files.readAttributes(job.file, BasicFileAttributes.class));
        } catch (IOException e) {
          throw failure("cannot read input file " + job.file, e);
        }
        if (after.equals(job.key)) {
          job.hash = hash;
          return;
        }
        if (attempt == MAX_READS) {
          String message = "input file " + job.file + " changed while it was being hashed, " + MAX_READS
              + " times in a row: it must not be written while a step reads it";
          throw new UncheckedIOException(message, new IOException(message));
        }
        job.key = after;
      }
    }

    private String read(Path file, ByteBuffer buffer, MessageDigest digest) {
      long total = 0;
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        for (int n; (n = channel.read(buffer.clear())) >= 0; ) {
          if (failure.get() != null) {
            throw Abandoned.INSTANCE;
          }
          digest.update(buffer.flip());
          total += n;
        }
      } catch (IOException e) {
        digest.reset();
        throw failure("cannot read input file " + file, e);
      } catch (Abandoned e) {
        digest.reset();
        throw e;
      }
      reads.increment();
      bytesRead.add(total);
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /** Thrown by a worker that stops reading because the manifest already failed; never escapes. */
  private static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final Abandoned INSTANCE = new Abandoned();

    private Abandoned() {
      super(null, null, false, false);
    }
  }

  private ByteBuffer takeBuffer() {
    ByteBuffer buffer = buffers.poll();
    return buffer != null ? buffer : ByteBuffer.allocateDirect(bufferSize);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** {@code what: reason}, one line; the reason as the OS words it, where Java's exception leaves it out. */
  private static UncheckedIOException failure(String what, IOException e) {
    return new UncheckedIOException(what + ": " + reason(e), e);
  }

  private static String reason(IOException e) {
    if (e instanceof ClosedByInterruptException) {
      return "interrupted";
    }
    if (e instanceof FileSystemException f) {
      if (f.getReason() != null) {
        return f.getReason();
      }
      if (e instanceof AccessDeniedException) {
        return "Permission denied";
      }
      if (e instanceof NoSuchFileException) {
        return "No such file or directory";
      }
      if (e instanceof NotDirectoryException) {
        return "Not a directory";
      }
      return e.getClass().getSimpleName();
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().get();
  }
}
