-- listobjectheaders pages through a type's objects in one of four orders, with id breaking
-- ties. An index per order lets a page be read in order, and an OFFSET skip index entries
-- instead of sorting every object of the type first (100,000 objects: a sort per page).
DROP INDEX metadata_objects_type_name;
CREATE INDEX metadata_objects_type_name ON metadata_objects (object_type, name_key, id);
CREATE INDEX metadata_objects_type_modified ON metadata_objects (object_type, modified, id);
CREATE INDEX metadata_objects_type_created ON metadata_objects (object_type, created, id);
