/*
 * import: `medusa-c import FILE...` fills the catalogue from Medusa's seed.json format plus
 * the extensions of docs/IMPORT.md, each file in one transaction. Knows nothing of HTTP.
 */
#ifndef IMPORT_H
#define IMPORT_H

/*
 * Entry point of the `import` subcommand: argv[0] is the program, argv[1] "import", the rest
 * file names. Reads DATABASE_URL (and the PASSWORD_SCRYPT_* options) like the server. Prints
 * one line per problem on stderr ("FILE: path.in.file: what is wrong") and changes nothing
 * for a file with any problem. Returns the process exit status: 0 all imported, 1 a file was
 * refused, 2 bad usage or configuration.
 */
int import_main(int argc, char **argv);

#endif
