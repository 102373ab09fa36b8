#include <cblas.h>
// OpenBLAS extensions: pin the thread count and report the kernel core in use.
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
char *openblas_get_config(void);
