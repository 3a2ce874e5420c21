# Messages for repatriation pages; ids start with "rep-".
