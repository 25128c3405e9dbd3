DROP TABLE comfort_script_versions;
DROP TABLE compromise_events;
DROP TABLE compromises;
DROP TABLE needs_map_revisions;
DROP TABLE needs_map_items;
