#include "CCurl.h"

#include <pthread.h>
#include <stdlib.h>

CURLcode ldfs_easy_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_off(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_data_callback(CURL *curl, CURLoption option, ldfs_data_callback value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ldfs_easy_setopt_xferinfo_callback(CURL *curl, ldfs_xferinfo_callback value) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, value);
}
CURLcode ldfs_easy_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
CURLcode ldfs_easy_getinfo_off(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}
CURLSHcode ldfs_share_setopt_long(CURLSH *share, CURLSHoption option, long value) {
    return curl_share_setopt(share, option, value);
}

struct ldfs_locked_share {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static void ldfs_share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr) {
    (void)handle; (void)access;
    struct ldfs_locked_share *s = userptr;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&s->locks[data]);
}

static void ldfs_share_unlock(CURL *handle, curl_lock_data data, void *userptr) {
    (void)handle;
    struct ldfs_locked_share *s = userptr;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&s->locks[data]);
}

ldfs_locked_share *ldfs_locked_share_new(void) {
    struct ldfs_locked_share *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->share = curl_share_init();
    if (!s->share) { free(s); return NULL; }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&s->locks[i], NULL);
    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, ldfs_share_lock);
    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, ldfs_share_unlock);
    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
    return s;
}

CURLSH *ldfs_locked_share_handle(ldfs_locked_share *share) {
    return share->share;
}

void ldfs_locked_share_free(ldfs_locked_share *share) {
    if (!share) return;
    curl_share_cleanup(share->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&share->locks[i]);
    free(share);
}
