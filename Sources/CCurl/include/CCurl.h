// Typed wrappers over libcurl's variadic setopt/getinfo, which Swift cannot call.
#ifndef LOGDUMPFS_CCURL_H
#define LOGDUMPFS_CCURL_H

#include <curl/curl.h>

typedef size_t (*ldfs_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*ldfs_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                      curl_off_t ultotal, curl_off_t ulnow);

CURLcode ldfs_easy_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode ldfs_easy_setopt_off(CURL *curl, CURLoption option, curl_off_t value);
CURLcode ldfs_easy_setopt_string(CURL *curl, CURLoption option, const char *value);
CURLcode ldfs_easy_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode ldfs_easy_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value);
CURLcode ldfs_easy_setopt_data_callback(CURL *curl, CURLoption option, ldfs_data_callback value);
CURLcode ldfs_easy_setopt_xferinfo_callback(CURL *curl, ldfs_xferinfo_callback value);
CURLcode ldfs_easy_getinfo_long(CURL *curl, CURLINFO info, long *value);
CURLcode ldfs_easy_getinfo_off(CURL *curl, CURLINFO info, curl_off_t *value);
CURLSHcode ldfs_share_setopt_long(CURLSH *share, CURLSHoption option, long value);

/// A CURLSH whose lock callbacks use one pthread mutex per curl_lock_data, so easy
/// handles on different threads may use it at once. Opaque: Swift only passes it on.
typedef struct ldfs_locked_share ldfs_locked_share;
/// curl_share_init plus CURLSHOPT_LOCKFUNC/UNLOCKFUNC/USERDATA; NULL on failure.
ldfs_locked_share *ldfs_locked_share_new(void);
/// The CURLSH to pass to CURLOPT_SHARE and curl_share_setopt.
CURLSH *ldfs_locked_share_handle(ldfs_locked_share *share);
/// curl_share_cleanup, then frees the mutexes. Clean up every easy handle that uses it first.
void ldfs_locked_share_free(ldfs_locked_share *share);

#endif
