-- sql/byte_compare.sql: every stored text compares byte for byte, trailing spaces included.
-- sql/migrate.sh runs it after the migrations, every time; it changes only tables that need it,
-- so it also covers tables that migrations added later with COLLATE=utf8mb4_bin.
--
-- Why: utf8mb4_bin is a PAD SPACE collation: 'Ann' = 'Ann ' is true under it, in WHERE, in
-- <=>, in UNIQUE keys. The fast profile update compares old and new values in SQL, so "Ann" ->
-- "Ann " was written (and got an outbox row) without moving updated_at, while the slow path,
-- which compares in C, saw a change. PostgreSQL under Medusa compares varchar exactly.
-- utf8mb4_nopad_bin is the same binary collation without the padding. New tables may say
-- utf8mb4_nopad_bin themselves; tests/integration/test_defects.py checks that no column of the
-- schema is left with a PAD SPACE collation.
--
-- How: MariaDB 10.11 refuses to change the collation of a column in a foreign key, even with
-- the checks off (1833). So, only when some table needs converting: the schema's foreign keys
-- are written down (columns in order, ON DELETE / ON UPDATE rules), dropped, every such table
-- converted, and the same keys added back with the checks off (the rows satisfied them a
-- moment ago; no rebuild). DDL commits as it goes: a failure in the middle is reported by
-- migrate.sh, and the next run picks up from what is left (keys already dropped are not
-- re-added by it: see the log line and add them from the migrations by hand).

ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;

DELIMITER //
BEGIN NOT ATOMIC
    DECLARE done INT DEFAULT 0;
    DECLARE q TEXT;
    DECLARE c CURSOR FOR SELECT stmt FROM bc_todo ORDER BY step, n;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;

    CREATE TEMPORARY TABLE bc_tables AS
        SELECT DISTINCT t.table_name AS name FROM information_schema.tables t
        LEFT JOIN information_schema.columns col
            ON col.table_schema = t.table_schema AND col.table_name = t.table_name
        WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
          AND ((col.collation_name IS NOT NULL AND col.collation_name NOT LIKE '%nopad%'
                AND col.collation_name <> 'binary')
               OR t.table_collation NOT LIKE '%nopad%');

    IF (SELECT COUNT(*) FROM bc_tables) > 0 THEN
        CREATE TEMPORARY TABLE bc_todo (step INT, n INT AUTO_INCREMENT PRIMARY KEY, stmt TEXT);
        -- 1: drop every foreign key of the schema, 2: convert, 3: add the keys back
        INSERT INTO bc_todo (step, stmt)
            SELECT 1, CONCAT('ALTER TABLE `', rc.table_name, '` DROP FOREIGN KEY `', rc.constraint_name, '`')
            FROM information_schema.referential_constraints rc WHERE rc.constraint_schema = DATABASE();
        INSERT INTO bc_todo (step, stmt)
            SELECT 2, CONCAT('ALTER TABLE `', name, '` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin')
            FROM bc_tables;
        INSERT INTO bc_todo (step, stmt)
            SELECT 3, CONCAT('ALTER TABLE `', rc.table_name, '` ADD CONSTRAINT `', rc.constraint_name,
                             '` FOREIGN KEY (',
                             GROUP_CONCAT(CONCAT('`', k.column_name, '`') ORDER BY k.ordinal_position SEPARATOR ', '),
                             ') REFERENCES `', rc.referenced_table_name, '` (',
                             GROUP_CONCAT(CONCAT('`', k.referenced_column_name, '`') ORDER BY k.ordinal_position
                                          SEPARATOR ', '),
                             ')',
                             -- RESTRICT is what a key without the clause reports: leave it out so
                             -- the key comes back exactly as the migration wrote it
                             IF(rc.delete_rule = 'RESTRICT', '', CONCAT(' ON DELETE ', rc.delete_rule)),
                             IF(rc.update_rule = 'RESTRICT', '', CONCAT(' ON UPDATE ', rc.update_rule)))
            FROM information_schema.referential_constraints rc
            JOIN information_schema.key_column_usage k
              ON k.constraint_schema = rc.constraint_schema AND k.constraint_name = rc.constraint_name
             AND k.table_name = rc.table_name
            WHERE rc.constraint_schema = DATABASE()
            GROUP BY rc.table_name, rc.constraint_name, rc.referenced_table_name, rc.delete_rule, rc.update_rule;
        SET @bc_fk_checks = @@foreign_key_checks;
        OPEN c;
        run: LOOP
            FETCH c INTO q;
            IF done THEN
                LEAVE run;
            END IF;
            IF q LIKE '% ADD CONSTRAINT %' THEN
                SET foreign_key_checks = 0;
            END IF;
            SET @bc_q = q;
            PREPARE s FROM @bc_q;
            EXECUTE s;
            DEALLOCATE PREPARE s;
        END LOOP;
        CLOSE c;
        SET foreign_key_checks = @bc_fk_checks;
        SELECT CONCAT('migrate: byte_compare: ', COUNT(*), ' table(s) converted to utf8mb4_nopad_bin') AS ''
            FROM bc_tables;
        DROP TEMPORARY TABLE bc_todo;
    END IF;
    DROP TEMPORARY TABLE bc_tables;
END //
DELIMITER ;
