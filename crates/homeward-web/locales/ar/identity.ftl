# Messages for identity pages; ids start with "ide-".
