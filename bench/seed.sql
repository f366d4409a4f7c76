-- 1,000,000 complaints for Kabupaten Sekadau spread over two years, with the mix of statuses, channels, categories
-- and regions a real Pemda sees. Run after `pengaduan seed`. Takes about a minute.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE words (w text[]) ON COMMIT DROP;
INSERT INTO words VALUES (ARRAY['jalan','rusak','berlubang','jembatan','puskesmas','obat','dokter','sekolah','guru',
  'beasiswa','ktp','akta','kk','izin','usaha','pajak','retribusi','banjir','longsor','sampah','air','bersih','listrik',
  'lampu','desa','dana','bantuan','sosial','pegawai','pungli','pelayanan','lambat','antrean','kantor','parit','drainase',
  'pasar','angkutan','kebersihan','asap','kebakaran','lahan','sawit','perkebunan','irigasi','sawah','posyandu','bidan']);

WITH pemda AS (SELECT id FROM units WHERE code = 'SKD'),
     cats AS (SELECT array_agg(id ORDER BY code) AS ids FROM categories WHERE pemda_id = (SELECT id FROM pemda)),
     regs AS (SELECT array_agg(id ORDER BY code) AS ids FROM regions WHERE pemda_id = (SELECT id FROM pemda)),
     pol  AS (SELECT id FROM deadline_policies WHERE pemda_id = (SELECT id FROM pemda)
                AND classification = 'pengaduan' AND NOT supervision ORDER BY valid_from DESC LIMIT 1),
     rows AS (
       SELECT i,
              now() - random() * interval '730 days' AS created_at,
              random() AS s, random() AS c, random() AS k
       FROM generate_series(1, 1000000) AS i)
INSERT INTO complaints (id, pemda_id, tracking_code, classification, supervision, channel, category_id, title, body,
                        incident_date, region_id, anonymous, confidential, status, archive_reason, forwarded_to,
                        policy_id, verify_by, first_response_by, resolve_by, verified_at, reporter_secret_hash,
                        created_at, updated_at)
SELECT gen_random_uuid(), pemda.id, 'SKD-BENCH-' || lpad(i::text, 7, '0'),
       CASE WHEN k < 0.8 THEN 'pengaduan' WHEN k < 0.9 THEN 'aspirasi' ELSE 'permintaan_informasi' END,
       false,
       (ARRAY['web','web','web','mobile','mobile','lapor_sync','sms','whatsapp','email','in_person'])[1 + (i % 10)],
       cats.ids[1 + floor(c * 12)::int],
       initcap(w[1 + floor(random() * 48)::int] || ' ' || w[1 + floor(random() * 48)::int] || ' di ' || w[1 + floor(random() * 48)::int]),
       w[1 + floor(random() * 48)::int] || ' ' || w[1 + floor(random() * 48)::int] || ' ' || w[1 + floor(random() * 48)::int]
         || ' ' || w[1 + floor(random() * 48)::int] || ' sudah lama tidak ditangani, mohon segera ditindaklanjuti.',
       (created_at - interval '3 days')::date,
       regs.ids[1 + (i % 7)],
       i % 5 = 0, i % 20 = 0,
       CASE WHEN s < 0.50 THEN 'finished' WHEN s < 0.65 THEN 'in_progress' WHEN s < 0.75 THEN 'verified'
            WHEN s < 0.85 THEN 'submitted' WHEN s < 0.93 THEN 'archived' WHEN s < 0.96 THEN 'postponed'
            WHEN s < 0.98 THEN 'forwarded' ELSE 'disposed' END,
       CASE WHEN s >= 0.85 AND s < 0.93 THEN 'spam' END,
       CASE WHEN s >= 0.96 AND s < 0.98 THEN 'BPJN Kalimantan Barat' END,
       pol.id,
       created_at + interval '5 days', created_at + interval '12 days', created_at + interval '20 days',
       CASE WHEN s < 0.75 THEN created_at + interval '2 days' END,
       sha256(i::text::bytea),
       created_at, created_at + random() * interval '10 days'
FROM rows, words, pemda, cats, regs, pol;
COMMIT;
ANALYZE complaints;
