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

#endif
