package io.pipewright.internal.store;

import java.util.List;

/**
 * The run store's schema as numbered migrations: migration N brings it from version N-1 to N. Never edit one that
 * has shipped: add another. Each migration is written for SQLite and for PostgreSQL; they differ only in types
 * (PostgreSQL's {@code integer} is 32 bits: times are {@code bigint} there; {@code real} is {@code double precision})
 * and in PostgreSQL's explicit {@code rowid} identity column on the tables queried in insertion order (runs, step
 * logs, cache entries), which SQLite has implicitly: the queries say {@code rowid} on both.
 */
final class Schema {
  private Schema() {}

  record Migration(List<String> sqlite, List<String> postgresql) {
    static Migration same(String... sql) {
      return new Migration(List.of(sql), List.of(sql));
    }

    List<String> statements(Dialect dialect) {
      return dialect == Dialect.SQLITE ? sqlite : postgresql;
    }
  }

  static final List<Migration> MIGRATIONS = List.of(
      new Migration(List.of(
          """
          create table runs (
            id text primary key,
            pipeline text not null,
            status text not null,
            parameters text not null,
            started_at integer not null,
            finished_at integer,
            error text,
            owner_host text not null,
            owner_pid integer not null,
            owner_started_at integer not null
          )""",
          "create index runs_by_start on runs (started_at)",
          "create index runs_by_status on runs (status)",
          """
          create table steps (
            run_id text not null references runs (id),
            name text not null,
            seq integer not null,
            kind text not null,
            status text not null,
            target text not null,
            started_at integer,
            finished_at integer,
            attempts integer not null default 0,
            outputs text,
            error text,
            error_trace text,
            reason text,
            primary key (run_id, name)
          )""",
          """
          create table step_logs (
            run_id text not null,
            step text not null,
            at integer not null,
            level text not null,
            message text not null
          )""",
          "create index step_logs_by_step on step_logs (run_id, step)",
          """
          create table metrics (
            run_id text not null,
            step text not null,
            name text not null,
            value real not null,
            at integer not null,
            primary key (run_id, step, name)
          )"""),
          List.of(
              """
              create table runs (
                id text primary key,
                pipeline text not null,
                status text not null,
                parameters text not null,
                started_at bigint not null,
                finished_at bigint,
                error text,
                owner_host text not null,
                owner_pid bigint not null,
                owner_started_at bigint not null,
                rowid bigint generated always as identity
              )""",
              "create index runs_by_start on runs (started_at, rowid)",
              "create index runs_by_status on runs (status)",
              """
              create table steps (
                run_id text not null references runs (id),
                name text not null,
                seq integer not null,
                kind text not null,
                status text not null,
                target text not null,
                started_at bigint,
                finished_at bigint,
                attempts integer not null default 0,
                outputs text,
                error text,
                error_trace text,
                reason text,
                primary key (run_id, name)
              )""",
              """
              create table step_logs (
                run_id text not null,
                step text not null,
                at bigint not null,
                level text not null,
                message text not null,
                rowid bigint generated always as identity
              )""",
              "create index step_logs_by_step on step_logs (run_id, step, rowid)",
              """
              create table metrics (
                run_id text not null,
                step text not null,
                name text not null,
                value double precision not null,
                at bigint not null,
                primary key (run_id, step, name)
              )""")),
      new Migration(List.of(
          "alter table steps add column fingerprint text",
          "alter table steps add column not_reusable text",
          "alter table steps add column reused_from text",
          "alter table steps add column reuse_miss text",
          "create index steps_by_fingerprint on steps (fingerprint)",
          "create index runs_by_pipeline on runs (pipeline, started_at)",
          "create table fingerprints (hash text primary key, components text not null)",
          """
          create table cache_entries (
            fingerprint text primary key,
            run_id text not null,
            step text not null,
            outputs text not null,
            created_at integer not null
          )""",
          """
          create table file_hashes (
            path text primary key,
            size integer not null,
            modified_seconds integer not null,
            modified_nanos integer not null,
            file_id text not null,
            sha256 text not null
          )"""),
          List.of(
              "alter table steps add column fingerprint text",
              "alter table steps add column not_reusable text",
              "alter table steps add column reused_from text",
              "alter table steps add column reuse_miss text",
              "create index steps_by_fingerprint on steps (fingerprint)",
              "create index runs_by_pipeline on runs (pipeline, started_at)",
              "create table fingerprints (hash text primary key, components text not null)",
              """
              create table cache_entries (
                fingerprint text primary key,
                run_id text not null,
                step text not null,
                outputs text not null,
                created_at bigint not null,
                rowid bigint generated always as identity
              )""",
              // Unused while the hash memo stays in the workspace's SQLite file; kept so both schemas are one.
              """
              create table file_hashes (
                path text primary key,
                size bigint not null,
                modified_seconds bigint not null,
                modified_nanos bigint not null,
                file_id text not null,
                sha256 text not null
              )""")),
      Migration.same("alter table steps add column kept_from_reuse text"),
      // v4: registered datasets and models
      Migration.same(
          """
          create table registry (
            kind text not null,
            name text not null,
            version bigint not null,
            content_hash text not null,
            description text,
            properties text not null,
            run_id text,
            step text,
            created_at bigint not null,
            primary key (kind, name, version),
            unique (kind, name, content_hash)
          )""",
          "create index registry_by_hash on registry (content_hash)",
          """
          create table registry_tags (
            kind text not null,
            name text not null,
            tag text not null,
            version bigint not null,
            primary key (kind, name, tag)
          )"""));
}
