-- 021_country_medusa_names: the countries whose iso_3, num_code, name or display_name in iso-codes
-- (002) differ from the list Medusa 1.20 inserts at its first start (M:utils/countries.ts, from
-- @medusajs/utils defaults/countries.ts: name = the list's name upper-cased, display_name = the
-- name; e.g. ro 'rom', cz 'Czech Republic', ci "Cote D'Ivoire"), so a region's countries are
-- Medusa's to the byte. 020 gave them Medusa's ids; the other 232 already matched.

UPDATE country SET iso_3 = 'bol', num_code = 68, name = 'BOLIVIA', display_name = 'Bolivia' WHERE iso_2 = 'bo';
UPDATE country SET iso_3 = 'bvd', num_code = 74, name = 'BOUVET ISLAND', display_name = 'Bouvet Island' WHERE iso_2 = 'bv';
UPDATE country SET iso_3 = 'cpv', num_code = 132, name = 'CAPE VERDE', display_name = 'Cape Verde' WHERE iso_2 = 'cv';
UPDATE country SET iso_3 = 'cod', num_code = 180, name = 'CONGO, THE DEMOCRATIC REPUBLIC OF THE', display_name = 'Congo, the Democratic Republic of the' WHERE iso_2 = 'cd';
UPDATE country SET iso_3 = 'civ', num_code = 384, name = 'COTE D''IVOIRE', display_name = 'Cote D''Ivoire' WHERE iso_2 = 'ci';
UPDATE country SET iso_3 = 'cze', num_code = 203, name = 'CZECH REPUBLIC', display_name = 'Czech Republic' WHERE iso_2 = 'cz';
UPDATE country SET iso_3 = 'hmd', num_code = 334, name = 'HEARD ISLAND AND MCDONALD ISLANDS', display_name = 'Heard Island And Mcdonald Islands' WHERE iso_2 = 'hm';
UPDATE country SET iso_3 = 'imn', num_code = 833, name = 'ISLE OF MAN', display_name = 'Isle Of Man' WHERE iso_2 = 'im';
UPDATE country SET iso_3 = 'mkd', num_code = 807, name = 'MACEDONIA, THE FORMER YUGOSLAV REPUBLIC OF', display_name = 'Macedonia, the Former Yugoslav Republic of' WHERE iso_2 = 'mk';
UPDATE country SET iso_3 = 'pse', num_code = 275, name = 'PALESTINIAN TERRITORY, OCCUPIED', display_name = 'Palestinian Territory, Occupied' WHERE iso_2 = 'ps';
UPDATE country SET iso_3 = 'reu', num_code = 638, name = 'REUNION', display_name = 'Reunion' WHERE iso_2 = 're';
UPDATE country SET iso_3 = 'rom', num_code = 642, name = 'ROMANIA', display_name = 'Romania' WHERE iso_2 = 'ro';
UPDATE country SET iso_3 = 'shn', num_code = 654, name = 'SAINT HELENA', display_name = 'Saint Helena' WHERE iso_2 = 'sh';
UPDATE country SET iso_3 = 'sxm', num_code = 534, name = 'SINT MAARTEN', display_name = 'Sint Maarten' WHERE iso_2 = 'sx';
UPDATE country SET iso_3 = 'swz', num_code = 748, name = 'SWAZILAND', display_name = 'Swaziland' WHERE iso_2 = 'sz';
UPDATE country SET iso_3 = 'tls', num_code = 626, name = 'TIMOR LESTE', display_name = 'Timor Leste' WHERE iso_2 = 'tl';
UPDATE country SET iso_3 = 'tur', num_code = 792, name = 'TURKEY', display_name = 'Turkey' WHERE iso_2 = 'tr';
UPDATE country SET iso_3 = 'ven', num_code = 862, name = 'VENEZUELA', display_name = 'Venezuela' WHERE iso_2 = 've';
