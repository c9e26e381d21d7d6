/* The mcprisk release, shown by --version and recorded in exports. */
#ifndef MCPRISK_VERSION_H
#define MCPRISK_VERSION_H

#define MCPRISK_VERSION "0.1.0"

#endif
