package io.pipewright.internal.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pipewright.Fingerprint;
import io.pipewright.PipewrightException;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunStatus;
import io.pipewright.StepKind;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.UserException;
import io.pipewright.internal.hash.HashMemo;
import io.pipewright.internal.util.Json;
import io.pipewright.internal.util.Processes;
import io.pipewright.spi.RunStoreDatabase;
import io.pipewright.spi.RunStoreProvider;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The run store on a SQL database: the workspace's own SQLite file (WAL mode, so readers such as the command line
 * never block the run being recorded) or a shared database from a {@link io.pipewright.spi.RunStoreProvider}, such
 * as PostgreSQL. The schema, its numbered migrations (applied on open) and every query are written once; {@link
 * Dialect} holds the few differences. One writer connection (the recorder's batches) and one reader connection per
 * store; a PostgreSQL store opens one more for advisory locks when the engine first asks for one.
 */
public final class JdbcRunStore implements RunStore, HashMemo {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcRunStore.class);
  private static final int KEYS_PER_QUERY = 500;
  /** How long a statement waits for another process's lock on the file before giving up. */
  static final int BUSY_TIMEOUT_MILLIS = 10_000;
  /** Transactions a PostgreSQL store tries after a serialization failure or a deadlock. */
  private static final int TRANSIENT_ATTEMPTS = 8;

  private static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() {};
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  private static final TypeReference<List<Fingerprint.Component>> COMPONENTS = new TypeReference<>() {};

  private final String name;
  private final RunStoreDatabase database;
  private final Dialect dialect;
  private final Connection writer;
  private final Connection reader;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private final Map<String, PreparedStatement> readStatements = new HashMap<>();
  /** Fingerprints whose components are written already: most steps of a re-run repeat one. */
  private final Cache<String, Boolean> recordedFingerprints = Caffeine.newBuilder().maximumSize(100_000)
      .executor(Runnable::run).build();
  /** Fingerprints written by the transaction in progress: remembered once it commits. */
  private final List<String> fingerprintsInTransaction = new ArrayList<>();
  private AdvisoryLocks locks;
  private boolean closed;

  private JdbcRunStore(RunStoreDatabase database, Connection writer, Connection reader) {
    this.database = database;
    this.name = database.displayName();
    this.dialect = Dialect.of(database.dialect());
    this.writer = writer;
    this.reader = reader;
  }

  /** Opens (creating if needed) the SQLite store in {@code file} and brings its schema up to date. */
  public static JdbcRunStore openSqlite(Path file) {
    return open(new SqliteDatabase(file));
  }

  /**
   * Opens the store in {@code database} and brings its schema up to date.
   *
   * @throws UserException if the database cannot be reached, stays locked, or has a newer schema
   */
  public static JdbcRunStore open(RunStoreDatabase database) {
    Dialect dialect = Dialect.of(database.dialect());
    Connection writer = null;
    Connection reader = null;
    try {
      writer = database.connect();
      dialect.migrate(database.displayName(), writer);
      reader = database.connect();
      dialect.prepareReader(reader);
      return new JdbcRunStore(database, writer, reader);
    } catch (SQLException e) {
      closeQuietly(reader);
      closeQuietly(writer);
      if (isBusy(e)) {
        throw new UserException("run store " + database.displayName() + " is locked by another process, still after "
            + BUSY_TIMEOUT_MILLIS / 1000 + " s: try again once it is done", e);
      }
      if (Dialect.isConnectionFailure(e)) {
        throw new UserException("run store " + database.displayName() + ": cannot connect: "
            + RunStoreProvider.masked(e.getMessage()), e);
      }
      throw new PipewrightException("run store " + database.displayName() + ": cannot open: "
          + RunStoreProvider.masked(e.getMessage()), e);
    } catch (RuntimeException e) {
      closeQuietly(reader);
      closeQuietly(writer);
      throw e;
    }
  }

  /** The store as messages name it: the file, or the URL with any password masked. */
  public String name() {
    return name;
  }

  /** Whether SQLite gave up waiting for another connection's lock. */
  public static boolean isBusy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException sqlite) {
        int primary = sqlite.getResultCode().code & 0xff; // extended codes keep the primary one in the low byte
        if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void record(List<Object> batch) {
    synchronized (writer) {
      recordLocked(batch);
    }
  }

  private void recordLocked(List<Object> batch) {
    inTransaction("record", () -> {
      Map<String, StepRowChange> steps = new LinkedHashMap<>();
      for (Object item : batch) {
        if (item instanceof ReuseMiss miss) {
          steps.computeIfAbsent(miss.runId() + '/' + miss.step(),
              key -> new StepRowChange(miss.runId(), miss.step())).reuseMiss = miss.reason().name();
        } else if (item instanceof KeptFromReuse kept) {
          steps.computeIfAbsent(kept.runId() + '/' + kept.step(),
              key -> new StepRowChange(kept.runId(), kept.step())).keptFromReuse = kept.reason();
        } else if (item instanceof RunEvent event && StepRowChange.isRowChange(event)) {
          steps.computeIfAbsent(event.runId() + '/' + event.step(),
              key -> new StepRowChange(event.runId(), event.step())).fold(event);
          if (event instanceof RunEvent.StepFingerprinted) {
            apply(item); // and its components, once per distinct fingerprint
          }
        } else {
          apply(item);
        }
      }
      updateSteps(steps.values());
    });
  }

  /** Work on the writer connection, in one transaction. */
  private interface SqlWork {
    void run() throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, rolled back if it fails; {@code what} names it in the error. A transaction
   * that PostgreSQL aborted for a serialization failure or a deadlock with another writer runs again, a few times.
   */
  private void inTransaction(String what, SqlWork work) {
    synchronized (writer) {
      for (int attempt = 1; ; attempt++) {
        try {
          writer.setAutoCommit(false);
          try {
            fingerprintsInTransaction.clear();
            work.run();
            writer.commit();
            fingerprintsInTransaction.forEach(f -> recordedFingerprints.put(f, Boolean.TRUE));
            return;
          } catch (SQLException | RuntimeException e) {
            writer.rollback();
            throw e;
          } finally {
            fingerprintsInTransaction.clear();
            writer.setAutoCommit(true);
          }
        } catch (SQLException e) {
          if (dialect.isTransient(e) && attempt < TRANSIENT_ATTEMPTS) {
            LOG.debug("run store {}: {} conflicted with another writer ({}); trying again", name, what,
                e.getSQLState());
            pause(attempt);
            continue;
          }
          throw new PipewrightException("run store " + name + ": cannot " + what + ": "
              + RunStoreProvider.masked(e.getMessage()), e);
        }
      }
    }
  }

  /** A short, growing, jittered pause before trying a conflicting transaction again. */
  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(5, 10L << Math.min(attempt, 6)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A prepared statement of the reader, kept for the hot paths of reuse decisions; call with the reader locked. */
  private PreparedStatement readStatement(String sql) throws SQLException {
    PreparedStatement ps = readStatements.get(sql);
    if (ps == null) {
      ps = reader.prepareStatement(sql);
      readStatements.put(sql, ps);
    }
    return ps;
  }

  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = writer.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  private void apply(Object item) throws SQLException {
    if (item instanceof PlannedRun run) {
      PreparedStatement ps = statement("insert into runs (id, pipeline, status, parameters, started_at, owner_host,"
          + " owner_pid, owner_started_at) values (?, ?, ?, ?, ?, ?, ?, ?)");
      ps.setString(1, run.runId());
      ps.setString(2, run.pipeline());
      ps.setString(3, RunStatus.RUNNING.name());
      ps.setString(4, Json.write(run.parameters()));
      ps.setLong(5, run.startedAt().toEpochMilli());
      ps.setString(6, run.host());
      ps.setLong(7, run.pid());
      ps.setLong(8, run.pidStartMillis());
      ps.executeUpdate();
      PreparedStatement step = statement("insert into steps (run_id, name, seq, kind, status, target) values (?, ?, ?,"
          + " ?, ?, ?)");
      int seq = 0;
      for (PlannedRun.PlannedStep s : run.steps()) {
        step.setString(1, run.runId());
        step.setString(2, s.name());
        step.setInt(3, seq++);
        step.setString(4, s.kind().name());
        step.setString(5, StepStatus.PENDING.name());
        step.setString(6, s.target());
        step.addBatch();
      }
      step.executeBatch();
    } else if (item instanceof CacheEntry entry) {
      update("insert into cache_entries (fingerprint, run_id, step, outputs, created_at) values (?, ?, ?, ?, ?) on"
          + " conflict (fingerprint) do update set run_id = excluded.run_id, step = excluded.step, outputs ="
          + " excluded.outputs, created_at = excluded.created_at", entry.fingerprint(), entry.runId(), entry.step(),
          Json.write(entry.outputs()),
          entry.createdAt().toEpochMilli());
    } else if (item instanceof RunEvent event) {
      applyEvent(event);
    } else {
      throw new IllegalArgumentException("cannot record " + item);
    }
  }

  private void applyEvent(RunEvent event) throws SQLException {
    long at = event.at().toEpochMilli();
    if (event instanceof RunEvent.RunStarted) {
      // Recorded with the PlannedRun, which carries the steps.
    } else if (event instanceof RunEvent.RunFinished e) {
      update("update runs set status = ?, finished_at = ?, error = ? where id = ?",
          e.status().name(), at, e.error(), e.runId());
    } else if (event instanceof RunEvent.StepFingerprinted e) {
      if (recordedFingerprints.getIfPresent(e.fingerprint().hash()) == null) {
        update("insert into fingerprints (hash, components) values (?, ?) on conflict do nothing",
            e.fingerprint().hash(), Json.write(e.fingerprint().components()));
        fingerprintsInTransaction.add(e.fingerprint().hash());
      }
    } else if (event instanceof RunEvent.Log e) {
      update("insert into step_logs (run_id, step, at, level, message) values (?, ?, ?, ?, ?)",
          e.runId(), e.step(), at, e.level(), e.message());
    } else if (event instanceof RunEvent.Metric e) {
      update("insert into metrics (run_id, step, name, value, at) values (?, ?, ?, ?, ?) on conflict (run_id, step,"
          + " name) do update set value = excluded.value, at = excluded.at", e.runId(), e.step(), e.name(), e.value(),
          at);
    }
  }

  /** One update per step; the runs' rows were inserted earlier in the same transaction, or in an earlier one. */
  private void updateSteps(Collection<StepRowChange> changes) throws SQLException {
    if (changes.isEmpty()) {
      return;
    }
    PreparedStatement ps = statement("update steps set status = coalesce(?, status), target = coalesce(?, target),"
        + " started_at = coalesce(started_at, ?), attempts = coalesce(?, attempts), finished_at = coalesce(?,"
        + " finished_at), outputs = coalesce(?, outputs), error = case when ? = 1 then ? else error end, error_trace ="
        + " case when ? = 1 then ? else error_trace end, reason = coalesce(?, reason), fingerprint = coalesce(?,"
        + " fingerprint),"
        + " not_reusable = coalesce(?, not_reusable), reused_from = coalesce(?, reused_from), reuse_miss = coalesce(?,"
        + " reuse_miss), kept_from_reuse = coalesce(?, kept_from_reuse) where run_id = ? and name = ?");
    for (StepRowChange c : changes) {
      bind(ps, c.status == null ? null : c.status.name(), c.target, c.startedAt, c.attempts, c.finishedAt,
          c.outputs, c.errorSet ? 1 : 0, c.error, c.traceSet ? 1 : 0, c.trace, c.reason, c.fingerprint,
          c.notReusable, c.reusedFrom, c.reuseMiss, c.keptFromReuse, c.runId, c.step);
      ps.addBatch();
    }
    ps.executeBatch();
  }

  private void update(String sql, Object... args) throws SQLException {
    PreparedStatement ps = statement(sql);
    bind(ps, args);
    ps.executeUpdate();
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        ps.setNull(i + 1, Types.NULL); // PostgreSQL infers the type from where it is used
      } else if (a instanceof Long l) {
        ps.setLong(i + 1, l);
      } else if (a instanceof Integer n) {
        ps.setInt(i + 1, n);
      } else if (a instanceof Double d) {
        ps.setDouble(i + 1, d);
      } else {
        ps.setString(i + 1, a.toString());
      }
    }
  }

  @Override
  public List<String> recoverAbandoned(String host, long nowMillis) {
    synchronized (writer) {
      return recoverLocked(host, nowMillis);
    }
  }

  private List<String> recoverLocked(String host, long nowMillis) {
    List<String> abandoned = new ArrayList<>();
    Map<String, Long> pids = new HashMap<>();
    try (PreparedStatement ps = writer.prepareStatement(
        "select id, owner_pid, owner_started_at from runs where status = ? and owner_host = ?")) {
      ps.setString(1, RunStatus.RUNNING.name());
      ps.setString(2, host);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!Processes.alive(rs.getLong(2), rs.getLong(3))) {
            abandoned.add(rs.getString(1));
            pids.put(rs.getString(1), rs.getLong(2));
          }
        }
      }
      if (abandoned.isEmpty()) {
        return List.of();
      }
      List<Object> batch = new ArrayList<>();
      Instant now = Instant.ofEpochMilli(nowMillis);
      for (String id : abandoned) {
        String reason = "the process running it (pid " + pids.get(id) + " on " + host + ") exited before it finished";
        for (String step : unfinishedSteps(id)) {
          batch.add(new RunEvent.StepCancelled(id, now, step, reason));
        }
        batch.add(new RunEvent.RunFinished(id, now, RunStatus.FAILED, reason));
      }
      recordLocked(batch);
      return abandoned;
    } catch (SQLException e) {
      throw new PipewrightException("run store " + name + ": cannot check for abandoned runs: " + e.getMessage(), e);
    }
  }

  private List<String> unfinishedSteps(String runId) throws SQLException {
    List<String> steps = new ArrayList<>();
    try (PreparedStatement ps = writer.prepareStatement(
        "select name from steps where run_id = ? and status in (?, ?, ?)")) {
      ps.setString(1, runId);
      ps.setString(2, StepStatus.PENDING.name());
      ps.setString(3, StepStatus.QUEUED.name());
      ps.setString(4, StepStatus.RUNNING.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          steps.add(rs.getString(1));
        }
      }
    }
    return steps;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public List<Run> list(int limit) {
    synchronized (reader) {
      return readList(limit);
    }
  }

  private List<Run> readList(int limit) {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = reader.prepareStatement(
        "select id from runs order by started_at desc, rowid desc limit ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      List<Run> runs = new ArrayList<>(ids.size());
      for (String id : ids) {
        load(id).ifPresent(runs::add);
      }
      return runs;
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  @Override
  public List<String> idsStartingWith(String prefix, int max) {
    synchronized (reader) {
      return readIdsStartingWith(prefix, max);
    }
  }

  private List<String> readIdsStartingWith(String prefix, int max) {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = reader.prepareStatement(
        "select id from runs where substr(id, 1, ?) = ? order by id limit ?")) {
      ps.setInt(1, prefix.length());
      ps.setString(2, prefix);
      ps.setInt(3, max);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  @Override
  public Optional<Run> load(String runId) {
    synchronized (reader) {
      return readLoad(runId);
    }
  }

  private Optional<Run> readLoad(String runId) {
    try {
      reader.setAutoCommit(false); // one read transaction: a consistent snapshot of the run and its steps
      try {
        return loadRun(runId);
      } finally {
        reader.commit();
        reader.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  private Optional<Run> loadRun(String runId) throws SQLException {
    String pipeline;
    RunStatus status;
    Map<String, Object> parameters;
    Instant started;
    Instant finished;
    String error;
    try (PreparedStatement ps = reader.prepareStatement(
        "select pipeline, status, parameters, started_at, finished_at, error from runs where id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        pipeline = rs.getString(1);
        status = RunStatus.valueOf(rs.getString(2));
        // Integers as Long, as the engine holds them, so that a run read back equals the run as it ended.
        parameters = Json.MAPPER.readerFor(OBJECT_MAP).with(DeserializationFeature.USE_LONG_FOR_INTS)
            .readValue(rs.getString(3));
        started = Instant.ofEpochMilli(rs.getLong(4));
        finished = instant(rs, 5);
        error = rs.getString(6);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException("bad parameters of run " + runId, e);
      }
    }
    Map<String, Map<String, Double>> metrics = new HashMap<>();
    try (PreparedStatement ps = reader.prepareStatement(
        "select step, name, value from metrics where run_id = ? order by name")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          metrics.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getDouble(3));
        }
      }
    }
    List<StepRun> steps = new ArrayList<>();
    try (PreparedStatement ps = reader.prepareStatement("select name, kind, status, target, started_at, finished_at,"
        + " attempts, outputs, error, error_trace, reason, fingerprint, reused_from from steps where run_id = ? order"
        + " by seq")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          String outputs = rs.getString(8);
          steps.add(new StepRun(name, StepKind.valueOf(rs.getString(2)), StepStatus.valueOf(rs.getString(3)),
              rs.getString(4), instant(rs, 5), instant(rs, 6), rs.getInt(7),
              outputs == null ? Map.of() : Json.MAPPER.readValue(outputs, STRING_MAP),
              metrics.getOrDefault(name, Map.of()), rs.getString(9), rs.getString(10), rs.getString(11),
              rs.getString(12), rs.getString(13)));
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException("bad outputs in run " + runId, e);
      }
    }
    return Optional.of(new Run(runId, pipeline, status, started, finished, parameters, steps, error));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  @Override
  public List<RunEvent.Log> logs(String runId, String step) {
    synchronized (reader) {
      return readLogs(runId, step);
    }
  }

  private List<RunEvent.Log> readLogs(String runId, String step) {
    List<RunEvent.Log> lines = new ArrayList<>();
    try (PreparedStatement ps = reader.prepareStatement(
        "select at, level, message from step_logs where run_id = ? and step = ? order by rowid")) {
      ps.setString(1, runId);
      ps.setString(2, step);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lines.add(new RunEvent.Log(runId, Instant.ofEpochMilli(rs.getLong(1)), step, rs.getString(2),
              rs.getString(3)));
        }
      }
      return lines;
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  @Override
  public Optional<CacheEntry> cacheEntry(String fingerprint) {
    synchronized (reader) {
      try {
        PreparedStatement ps = readStatement(
            "select run_id, step, outputs, created_at from cache_entries where fingerprint = ?");
        ps.setString(1, fingerprint);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          return Optional.of(new CacheEntry(fingerprint, rs.getString(1), rs.getString(2),
              Json.MAPPER.readValue(rs.getString(3), STRING_MAP), Instant.ofEpochMilli(rs.getLong(4))));
        }
      } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": cannot read the cache entry of " + fingerprint + ": "
            + e.getMessage(), e);
      }
    }
  }

  // ---------------------------------------------------------------- file hash memo

  @Override
  public Map<Key, String> load(Collection<Key> keys) {
    Map<Key, String> found = new HashMap<>();
    List<Key> all = new ArrayList<>(keys);
    synchronized (reader) {
      for (int from = 0; from < all.size(); from += KEYS_PER_QUERY) {
        List<Key> chunk = all.subList(from, Math.min(all.size(), from + KEYS_PER_QUERY));
        Map<String, Key> byPath = new HashMap<>();
        chunk.forEach(k -> byPath.put(k.path(), k));
        String marks = String.join(", ", java.util.Collections.nCopies(byPath.size(), "?"));
        try (PreparedStatement ps = reader.prepareStatement("select path, size, modified_seconds, modified_nanos,"
            + " file_id, sha256 from file_hashes where path in (" + marks + ")")) {
          int i = 1;
          for (String path : byPath.keySet()) {
            ps.setString(i++, path);
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Key stored = new Key(rs.getString(1), rs.getLong(2), Instant.ofEpochSecond(rs.getLong(3), rs.getLong(4)),
                  rs.getString(5));
              if (stored.equals(byPath.get(stored.path()))) {
                found.put(stored, rs.getString(6));
              }
            }
          }
        } catch (SQLException e) {
          throw readFailure(e);
        }
      }
    }
    return found;
  }

  @Override
  public void store(Map<Key, String> hashes) {
    inTransaction("record file hashes", () -> {
      PreparedStatement ps = statement("insert into file_hashes (path, size, modified_seconds, modified_nanos,"
          + " file_id, sha256) values (?, ?, ?, ?, ?, ?) on conflict (path) do update set size = excluded.size,"
          + " modified_seconds = excluded.modified_seconds, modified_nanos = excluded.modified_nanos, file_id ="
          + " excluded.file_id, sha256 = excluded.sha256");
      for (Map.Entry<Key, String> e : hashes.entrySet()) {
        Key k = e.getKey();
        bind(ps, k.path(), k.size(), k.modified().getEpochSecond(), (long) k.modified().getNano(), k.fileId(),
            e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    });
  }

  @Override
  public Map<String, Double> metrics(String runId, String step) {
    synchronized (reader) {
      Map<String, Double> metrics = new LinkedHashMap<>();
      try {
        PreparedStatement ps = readStatement(
            "select name, value from metrics where run_id = ? and step = ? order by name");
        ps.setString(1, runId);
        ps.setString(2, step);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            metrics.put(rs.getString(1), rs.getDouble(2));
          }
        }
        return metrics;
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
  }

  @Override
  public Optional<Fingerprint> fingerprint(String hash) {
    synchronized (reader) {
      try (PreparedStatement ps = reader.prepareStatement("select components from fingerprints where hash = ?")) {
        ps.setString(1, hash);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          return Optional.of(new Fingerprint(hash, Json.MAPPER.readValue(rs.getString(1), COMPONENTS)));
        }
      } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": cannot read fingerprint " + hash + ": "
            + e.getMessage(), e);
      }
    }
  }

  @Override
  public Optional<StepExecution> stepExecution(String runId, String step) {
    return stepExecutionWhere("r.id = ? and s.name = ?", runId, step);
  }

  @Override
  public Optional<StepExecution> previousExecution(String pipeline, String step, String beforeRunId) {
    return stepExecutionWhere("r.pipeline = ? and s.name = ? and s.fingerprint is not null and s.status in ('"
        + StepStatus.SUCCEEDED + "', '" + StepStatus.REUSED + "') and (r.started_at, r.rowid) < (select started_at,"
        + " rowid from runs where id = ?) order by r.started_at desc, r.rowid desc limit 1", pipeline, step,
        beforeRunId);
  }

  @Override
  public Optional<StepExecution> previousExecutionWithFingerprint(String fingerprint, String beforeRunId) {
    return stepExecutionWhere("s.fingerprint = ? and s.status in ('" + StepStatus.SUCCEEDED + "', '"
        + StepStatus.REUSED + "') and (r.started_at, r.rowid) < (select started_at, rowid from runs where id = ?)"
        + " order by r.started_at desc, r.rowid desc limit 1", fingerprint, beforeRunId);
  }

  private Optional<StepExecution> stepExecutionWhere(String condition, String... args) {
    synchronized (reader) {
      try (PreparedStatement ps = reader.prepareStatement("select r.id, r.pipeline, r.started_at, s.name, s.kind,"
          + " s.status, s.fingerprint, s.not_reusable, s.outputs, s.reuse_miss, s.kept_from_reuse from runs r join steps"
          + " s on s.run_id ="
          + " r.id where "
          + condition)) {
        for (int i = 0; i < args.length; i++) {
          ps.setString(i + 1, args[i]);
        }
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          String outputs = rs.getString(9);
          return Optional.of(new StepExecution(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
              rs.getString(4), StepKind.valueOf(rs.getString(5)), StepStatus.valueOf(rs.getString(6)),
              rs.getString(7), rs.getString(8), outputs == null ? Map.of() : Json.MAPPER.readValue(outputs,
              STRING_MAP), rs.getString(10) == null ? null : ReuseMiss.Reason.valueOf(rs.getString(10)),
              rs.getString(11)));
        }
      } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": cannot read step executions: " + e.getMessage(), e);
      }
    }
  }

  // ---------------------------------------------------------------- garbage collection

  @Override
  public List<CacheEntry> cacheEntries() {
    synchronized (reader) {
      List<CacheEntry> entries = new ArrayList<>();
      try (PreparedStatement ps = reader.prepareStatement(
          "select fingerprint, run_id, step, outputs, created_at from cache_entries order by created_at, rowid");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          entries.add(new CacheEntry(rs.getString(1), rs.getString(2), rs.getString(3),
              Json.MAPPER.readValue(rs.getString(4), STRING_MAP), Instant.ofEpochMilli(rs.getLong(5))));
        }
        return entries;
      } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": cannot read the cache entries: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void removeCacheEntries(Collection<String> fingerprints) {
    if (fingerprints.isEmpty()) {
      return;
    }
    inTransaction("remove cache entries", () -> {
      PreparedStatement ps = statement("delete from cache_entries where fingerprint = ?");
      for (String fingerprint : fingerprints) {
        ps.setString(1, fingerprint);
        ps.addBatch();
      }
      ps.executeBatch();
    });
  }

  @Override
  public java.util.Set<String> fingerprintsOfLatestRuns(int perPipeline) {
    synchronized (reader) {
      java.util.Set<String> fingerprints = new java.util.HashSet<>();
      String latest = "(select id from (select id, row_number() over (partition by pipeline order by started_at"
          + " desc, rowid desc) as n from runs) as numbered where n <= ?)";
      try (PreparedStatement ps = reader.prepareStatement("select fingerprint from steps where run_id in " + latest
          + " and fingerprint is not null union select fingerprint from cache_entries where run_id in " + latest)) {
        ps.setInt(1, perPipeline);
        ps.setInt(2, perPipeline);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            fingerprints.add(rs.getString(1));
          }
        }
        return fingerprints;
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
  }

  @Override
  public List<String> runningRunIds() {
    return strings("select id from runs where status = ? order by started_at", RunStatus.RUNNING.name());
  }

  @Override
  public List<String> runningRunIds(String host, long pid) {
    return strings("select id from runs where status = ? and owner_host = ? and owner_pid = ? order by started_at",
        RunStatus.RUNNING.name(), host, pid);
  }

  @Override
  public List<String> outputLocationsOfRunningRuns() {
    List<String> locations = new ArrayList<>();
    for (String outputs : strings("select s.outputs from steps s join runs r on r.id = s.run_id where r.status = ?"
        + " and s.outputs is not null", RunStatus.RUNNING.name())) {
      try {
        locations.addAll(Json.MAPPER.readValue(outputs, STRING_MAP).values());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": bad outputs of a running step: " + e.getMessage(), e);
      }
    }
    return locations;
  }

  // ---------------------------------------------------------------- registries (datasets and models)

  /** Registrations racing for one name, from other processes: each lost race costs one retry. */
  private static final int REGISTER_ATTEMPTS = 20;

  @Override
  public Registration register(Registration r) {
    for (int attempt = 1; ; attempt++) {
      Registration[] recorded = new Registration[1];
      try {
        inTransaction("register " + r.kind() + " '" + r.name() + "'", () -> recorded[0] = registerLocked(r));
        return recorded[0];
      } catch (PipewrightException e) {
        if (attempt >= REGISTER_ATTEMPTS || !(isConflict(e) || isBusy(e))) {
          throw e;
        }
      }
    }
  }

  private Registration registerLocked(Registration r) throws SQLException {
    // A write first, so that SQLite takes its write lock (waiting for other processes) before reading the versions.
    update("update registry set version = version where kind = ? and name = ? and version < 0", r.kind(), r.name());
    Long version = null;
    try (PreparedStatement ps = writer.prepareStatement(
        "select version from registry where kind = ? and name = ? and content_hash = ?")) {
      bind(ps, r.kind(), r.name(), r.contentHash());
      try (ResultSet rs = ps.executeQuery()) {
        version = rs.next() ? rs.getLong(1) : null;
      }
    }
    if (version == null) {
      try (PreparedStatement ps = writer.prepareStatement(
          "select coalesce(max(version), 0) from registry where kind = ? and name = ?")) {
        bind(ps, r.kind(), r.name());
        try (ResultSet rs = ps.executeQuery()) {
          version = (rs.next() ? rs.getLong(1) : 0) + 1;
        }
      }
      update("insert into registry (kind, name, version, content_hash, description, properties, run_id, step,"
          + " created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", r.kind(), r.name(), version, r.contentHash(),
          r.description(), Json.write(r.properties()), r.runId(), r.step(), r.createdAt().toEpochMilli());
    }
    for (String tag : r.tags()) {
      tagLocked(r.kind(), r.name(), version, tag);
    }
    long v = version;
    return readRegistrations(writer, r.kind(), r.name()).stream().filter(x -> x.version() == v).findFirst()
        .orElseThrow();
  }

  @Override
  public List<Registration> registrations(String kind, String name) {
    synchronized (reader) {
      try {
        return readRegistrations(reader, kind, name);
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
  }

  private static List<Registration> readRegistrations(Connection c, String kind, String name) throws SQLException {
    String where = " where kind = ?" + (name == null ? "" : " and name = ?");
    Object[] args = name == null ? new Object[] {kind} : new Object[] {kind, name};
    Map<String, java.util.Set<String>> tags = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("select name, version, tag from registry_tags" + where)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tags.computeIfAbsent(rs.getString(1) + ':' + rs.getLong(2), k -> new java.util.TreeSet<>())
              .add(rs.getString(3));
        }
      }
    }
    List<Registration> found = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("select name, version, content_hash, description, properties,"
        + " run_id, step, created_at from registry" + where + " order by name, version")) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String n = rs.getString(1);
          long v = rs.getLong(2);
          found.add(new Registration(kind, n, v, rs.getString(3), rs.getString(4),
              Json.MAPPER.readValue(rs.getString(5), OBJECT_MAP), rs.getString(6), rs.getString(7),
              Instant.ofEpochMilli(rs.getLong(8)), tags.getOrDefault(n + ':' + v, java.util.Set.of())));
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException("bad properties of " + kind + " '" + name + "'", e);
      }
    }
    return found;
  }

  @Override
  public void tag(String kind, String name, long version, String tag) {
    inTransaction("tag " + kind + " " + name + ":" + version, () -> tagLocked(kind, name, version, tag));
  }

  private void tagLocked(String kind, String name, long version, String tag) throws SQLException {
    update("delete from registry_tags where kind = ? and name = ? and tag = ?", kind, name, tag);
    update("insert into registry_tags (kind, name, tag, version) values (?, ?, ?, ?)", kind, name, tag, version);
  }

  @Override
  public java.util.Set<String> registeredHashes() {
    return new java.util.HashSet<>(strings("select distinct content_hash from registry"));
  }

  @Override
  public List<StepExecution> producersOf(String contentHash) {
    return stepExecutions("s.status = ? and s.outputs like ?", StepStatus.SUCCEEDED.name(),
        "%" + contentHash.substring(contentHash.indexOf(':') + 1) + "%");
  }

  @Override
  public List<StepExecution> consumersOf(String contentHash) {
    return stepExecutions("s.status in (?, ?) and s.fingerprint in (select hash from fingerprints where components"
        + " like ?)", StepStatus.SUCCEEDED.name(), StepStatus.REUSED.name(), "%\"" + contentHash + "\"%");
  }

  /** Steps matching a condition on runs {@code r} and steps {@code s}, earliest run first. */
  private List<StepExecution> stepExecutions(String condition, Object... args) {
    synchronized (reader) {
      List<StepExecution> found = new ArrayList<>();
      try (PreparedStatement ps = reader.prepareStatement("select r.id, r.pipeline, r.started_at, s.name, s.kind,"
          + " s.status, s.fingerprint, s.not_reusable, s.outputs, s.reuse_miss, s.kept_from_reuse from runs r join"
          + " steps s on s.run_id = r.id where " + condition + " order by r.started_at, r.id, s.seq")) {
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String outputs = rs.getString(9);
            found.add(new StepExecution(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                rs.getString(4), StepKind.valueOf(rs.getString(5)), StepStatus.valueOf(rs.getString(6)),
                rs.getString(7), rs.getString(8), outputs == null ? Map.of() : Json.MAPPER.readValue(outputs,
                STRING_MAP), rs.getString(10) == null ? null : ReuseMiss.Reason.valueOf(rs.getString(10)),
                rs.getString(11)));
          }
        }
        return found;
      } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new PipewrightException("run store " + name + ": cannot read step executions: " + e.getMessage(), e);
      }
    }
  }

  /** Whether a write lost a race on a unique constraint (SQLite's code, or the SQL standard's state). */
  private static boolean isConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == SQLiteErrorCode
          .SQLITE_CONSTRAINT.code || t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** The first column of every row of a query on the reader. */
  private List<String> strings(String sql, Object... args) {
    synchronized (reader) {
      List<String> values = new ArrayList<>();
      try (PreparedStatement ps = reader.prepareStatement(sql)) {
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            values.add(rs.getString(1));
          }
        }
        return values;
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
  }

  private PipewrightException readFailure(SQLException e) {
    return new PipewrightException("run store " + name + ": cannot read: " + e.getMessage(), e);
  }

  @Override
  public synchronized Optional<SharedLocks> sharedLocks() {
    if (dialect != Dialect.POSTGRESQL) {
      return Optional.empty();
    }
    if (locks == null) {
      locks = new AdvisoryLocks();
    }
    return Optional.of(locks);
  }

  /**
   * PostgreSQL session-level advisory locks on a connection of their own, opened on first use: a lock is held for as
   * long as that connection lives, so a process that dies drops its locks. If the database cannot be asked, the lock
   * counts as taken: at worst two machines compute one step twice, never a wrong output (outputs are stored by
   * content).
   */
  private final class AdvisoryLocks implements SharedLocks {
    private Connection connection;

    @Override
    public synchronized boolean tryLock(long key) {
      try {
        try (PreparedStatement ps = connection().prepareStatement("select pg_try_advisory_lock(?)")) {
          ps.setLong(1, key);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
          }
        }
      } catch (SQLException e) {
        LOG.warn("run store {}: cannot take an advisory lock, computing without it: {}", name,
            RunStoreProvider.masked(e.getMessage()));
        dropConnection();
        return true;
      }
    }

    @Override
    public synchronized void unlock(long key) {
      if (connection == null) {
        return;
      }
      try (PreparedStatement ps = connection.prepareStatement("select pg_advisory_unlock(?)")) {
        ps.setLong(1, key);
        ps.executeQuery().close();
      } catch (SQLException e) {
        LOG.warn("run store {}: cannot release an advisory lock, dropping the session: {}", name,
            RunStoreProvider.masked(e.getMessage()));
        dropConnection(); // ends the session, and with it every lock it held
      }
    }

    private Connection connection() throws SQLException {
      synchronized (JdbcRunStore.this) {
        if (closed) {
          throw new SQLException("the run store is closed");
        }
      }
      if (connection == null) {
        connection = database.connect();
      }
      return connection;
    }

    private void dropConnection() {
      closeQuietly(connection);
      connection = null;
    }

    synchronized void close() {
      dropConnection();
    }
  }

  @Override
  public void close() {
    AdvisoryLocks held;
    synchronized (this) {
      closed = true;
      held = locks;
    }
    if (held != null) {
      held.close();
    }
    statements.values().forEach(JdbcRunStore::closeQuietly);
    statements.clear();
    readStatements.values().forEach(JdbcRunStore::closeQuietly);
    readStatements.clear();
    closeQuietly(reader);
    closeQuietly(writer);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing: nothing left to do with it
      }
    }
  }
}
