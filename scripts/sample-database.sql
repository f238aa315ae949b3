-- The demo's application database: tenants, their pages and the records of their uploads.
-- One tenant per sample customer (customer-000 … customer-007), plus customer-100, who has
-- rows but no folder, and a closed tenant the map's customers query leaves out.
CREATE TABLE tenants (
    id        integer PRIMARY KEY,
    slug      text NOT NULL UNIQUE,
    name      text NOT NULL,
    closed_at timestamptz
);
CREATE TABLE pages (
    id         bigint PRIMARY KEY,
    tenant_id  integer NOT NULL REFERENCES tenants (id),
    title      text NOT NULL,
    body       text,
    updated_at timestamptz NOT NULL
);
CREATE TABLE files (
    id        bigint PRIMARY KEY,
    tenant_id integer NOT NULL REFERENCES tenants (id),
    path      text NOT NULL,
    bytes     bigint NOT NULL,
    tags      jsonb NOT NULL DEFAULT '[]'
);

INSERT INTO tenants (id, slug, name)
SELECT n, format('customer-%s', lpad(n::text, 3, '0')), format('Tenant %s', n)
FROM generate_series(0, 7) AS n;
INSERT INTO tenants (id, slug, name) VALUES (100, 'customer-100', 'Rows only, no folder');
INSERT INTO tenants (id, slug, name, closed_at) VALUES (200, 'customer-200', 'Closed', '2026-01-31 00:00:00+00');

INSERT INTO pages (id, tenant_id, title, body, updated_at)
SELECT t.id * 1000 + p, t.id, format('Page %s', p),
       CASE WHEN p = 2 THEN NULL ELSE format(E'Line one, "quoted"\nline two of page %s', p) END,
       timestamptz '2026-11-01 09:00:00+00' + p * interval '1 hour'
FROM tenants t, generate_series(0, 4) AS p;

INSERT INTO files (id, tenant_id, path, bytes, tags)
SELECT t.id * 1000 + 1, t.id, 'attachments/2026/11/scan.pdf', 20009 + 5000 * t.id, '["scan", "2026"]'
FROM tenants t;
