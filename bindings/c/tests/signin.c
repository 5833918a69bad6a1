/* Whole sign-ins through the C ABI against the local Cognito server over HTTP (libcurl):
 *
 *   1. USER_SRP_AUTH + SOFTWARE_TOKEN_MFA + ConfirmDevice, the device remembered;
 *   2. again on the remembered device (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER), with the
 *      caller's random callback;
 *   3. REFRESH_TOKEN_AUTH with the device key;
 *   4. a wrong TOTP code, asked again with previousError, then the right one;
 *   5. a wrong password: NotAuthorizedException as SERVICE_ERROR and as JSON.
 *
 * Usage: signin <endpoint URL>, the server started with --config tests/pool.json. */
#define _DEFAULT_SOURCE
#include <curl/curl.h>
#include <time.h>

#include "common.h"

static const char *endpoint;
static const char *POOL = "us-east-1_CTests0001";
static const char *CLIENT = "cbindingclient1";
static const char *TOTP_SECRET = "JBSWY3DPEHPK3PXP";

/* ---- HTTP ------------------------------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len;
    char date[64];
} reply_buf;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    reply_buf *r = ud;
    size_t add = size * n;
    char *grown = xmalloc(r->len + add + 1);
    if (r->data) {
        memcpy(grown, r->data, r->len);
        explicit_bzero(r->data, r->len);
        free(r->data);
    }
    memcpy(grown + r->len, p, add);
    r->len += add;
    grown[r->len] = 0;
    r->data = grown;
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    reply_buf *r = ud;
    size_t len = size * n;
    if (len > 6 && strncasecmp(p, "date: ", 6) == 0) {
        size_t m = len - 6;
        while (m && (p[6 + m - 1] == '\r' || p[6 + m - 1] == '\n')) m--;
        if (m >= sizeof r->date) m = sizeof r->date - 1;
        memcpy(r->date, p + 6, m);
        r->date[m] = 0;
    }
    return len;
}

/* Posts the request of a send step; returns the Reply JSON (new memory) or NULL. */
static char *post(span step) {
    char *target = json_path_str(step, "request.target");
    char *ctype = json_path_str(step, "request.contentType");
    char *body = json_path_str(step, "request.body");
    char *out = NULL;
    if (!target || !ctype || !body) goto done;
    CURL *curl = curl_easy_init();
    if (!curl) goto done;
    char h1[256], h2[128];
    snprintf(h1, sizeof h1, "X-Amz-Target: %s", target);
    snprintf(h2, sizeof h2, "Content-Type: %s", ctype);
    struct curl_slist *headers = curl_slist_append(NULL, h1);
    headers = curl_slist_append(headers, h2);
    reply_buf r = {0};
    curl_easy_setopt(curl, CURLOPT_URL, endpoint);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
    CURLcode res = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (res != CURLE_OK) {
        fprintf(stderr, "POST %s: %s\n", target, curl_easy_strerror(res));
        free_secret(r.data);
        goto done;
    }
    char *qbody = json_quote(r.data ? r.data : "", r.len);
    char *qdate = json_quote(r.date, strlen(r.date));
    size_t n = strlen(qbody) + strlen(qdate) + 64;
    out = xmalloc(n);
    snprintf(out, n, "{\"status\":%ld,\"body\":%s,\"date\":%s}", status, qbody,
             r.date[0] ? qdate : "null");
    free_secret(qbody);
    free(qdate);
    free_secret(r.data);
done:
    free(target);
    free(ctype);
    free_secret(body);
    return out;
}

/* ---- the sign-in loop ------------------------------------------------------------------ */

typedef struct {
    char ops[1024];      /* operations sent, space-separated */
    char asked[512];     /* challenge types asked, space-separated */
    char bodies[8192];   /* every RespondToAuthChallenge's ChallengeName, space-separated */
    int previous_errors; /* prompts that came with a previousError */
    char *last_error_kind;
    int wrong_codes_left; /* answer this many TOTP questions with a wrong code first */
    int remember;
} run_log;

static void append(char *buf, size_t cap, const char *word) {
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "%s%s", used ? " " : "", word);
}

/* The answer to a prompt, as JSON in new memory. */
static char *answer_for(run_log *log, span prompt) {
    char *type = json_path_str(prompt, "challenge.type");
    char *answer = xmalloc(256);
    span prev;
    if (json_member(prompt, "previousError", &prev) && !json_is_null(prev)) {
        log->previous_errors++;
        free(log->last_error_kind);
        log->last_error_kind = json_path_str(prev, "kind");
    }
    append(log->asked, sizeof log->asked, type ? type : "?");
    if (type && strcmp(type, "softwareTokenMfa") == 0) {
        char code[7];
        totp(TOTP_SECRET, (uint64_t)time(NULL), code);
        if (log->wrong_codes_left > 0) {
            log->wrong_codes_left--;
            /* A code that is not the right one now. */
            code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
        }
        snprintf(answer, 256, "{\"type\":\"code\",\"code\":\"%s\"}", code);
    } else if (type && strcmp(type, "rememberDevice") == 0) {
        snprintf(answer, 256, "{\"type\":\"rememberDevice\",\"remember\":%s}",
                 log->remember ? "true" : "false");
    } else {
        fprintf(stderr, "unexpected question %s\n", type ? type : "?");
        snprintf(answer, 256, "{\"type\":\"custom\",\"answer\":\"?\"}");
    }
    free(type);
    return answer;
}

/* Runs a sign-in; returns the last result code, and on success the done step's JSON (new
 * memory, holding the tokens) in *done. */
static cognito_signin_result sign_in(const char *config, const char *start,
                                     cognito_signin_random_callback random, void *userdata,
                                     run_log *log, char **done,
                                     cognito_signin_conversation **keep) {
    cognito_signin_conversation *conv = NULL;
    cognito_signin_step *step = NULL;
    cognito_signin_result rc = cognito_signin_conversation_new(random, userdata, &conv);
    if (rc) return rc;
    rc = cognito_signin_conversation_start(conv, (const uint8_t *)config, strlen(config),
                                           (const uint8_t *)start, strlen(start),
                                           (uint64_t)time(NULL), &step);
    while (rc == COGNITO_SIGNIN_RESULT_OK) {
        cognito_signin_step_type type;
        const uint8_t *json;
        size_t len;
        CHECK_RC(cognito_signin_step_get_type(step, &type), COGNITO_SIGNIN_RESULT_OK);
        CHECK_RC(cognito_signin_step_get_json(step, &json, &len), COGNITO_SIGNIN_RESULT_OK);
        CHECK(json[len] == 0);
        span s = {(const char *)json, len};
        char *tag = json_path_str(s, "type");
        cognito_signin_step *next = NULL;
        if (type == COGNITO_SIGNIN_STEP_TYPE_SEND) {
            CHECK(tag && strcmp(tag, "send") == 0);
            char *op = json_path_str(s, "request.operation");
            append(log->ops, sizeof log->ops, op ? op : "?");
            char *body = json_path_str(s, "request.body");
            if (op && body && strcmp(op, "RespondToAuthChallenge") == 0) {
                span b = {body, strlen(body)};
                char *name = json_path_str(b, "ChallengeName");
                append(log->bodies, sizeof log->bodies, name ? name : "?");
                free(name);
            }
            free(op);
            free_secret(body);
            char *reply = post(s);
            if (!reply) {
                free(tag);
                rc = COGNITO_SIGNIN_RESULT_PANIC;
                break;
            }
            rc = cognito_signin_conversation_handle(conv, (const uint8_t *)reply, strlen(reply),
                                                    (uint64_t)time(NULL), &next);
            free_secret(reply);
        } else if (type == COGNITO_SIGNIN_STEP_TYPE_NEED_INPUT) {
            CHECK(tag && strcmp(tag, "needInput") == 0);
            span prompt;
            CHECK(json_member(s, "prompt", &prompt));
            char *answer = answer_for(log, prompt);
            rc = cognito_signin_conversation_answer(conv, (const uint8_t *)answer,
                                                    strlen(answer), (uint64_t)time(NULL), &next);
            free_secret(answer);
        } else {
            CHECK(type == COGNITO_SIGNIN_STEP_TYPE_DONE);
            CHECK(tag && strcmp(tag, "done") == 0);
            bool finished = false;
            CHECK_RC(cognito_signin_conversation_is_finished(conv, &finished),
                     COGNITO_SIGNIN_RESULT_OK);
            CHECK(finished);
            span signed_in;
            if (json_member(s, "signedIn", &signed_in)) {
                *done = xmalloc(signed_in.n + 1);
                memcpy(*done, signed_in.p, signed_in.n);
                (*done)[signed_in.n] = 0;
            }
            free(tag);
            break;
        }
        free(tag);
        cognito_signin_step_free(step);
        step = next;
    }
    cognito_signin_step_free(step);
    if (keep) {
        *keep = conv;
    } else {
        cognito_signin_conversation_free(conv);
    }
    return rc;
}

/* The caller's random source for one sign-in: /dev/urandom, counting the bytes drawn. */
typedef struct {
    FILE *f;
    size_t drawn;
} urandom;

static int from_urandom(void *userdata, uint8_t *buf, size_t len) {
    urandom *u = userdata;
    if (fread(buf, 1, len, u->f) != len) return 1;
    u->drawn += len;
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <endpoint URL>\n", argv[0]);
        return 2;
    }
    endpoint = argv[1];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char config[4096], start[1024];
    snprintf(config, sizeof config,
             "{\"userPoolId\":\"%s\",\"clientId\":\"%s\",\"deviceName\":\"C test\"}", POOL,
             CLIENT);
    snprintf(start, sizeof start,
             "{\"flow\":\"USER_SRP_AUTH\",\"username\":\"alice\",\"password\":\"Correct-Horse-1\"}");

    /* 1. Password (SRP), TOTP, a new device confirmed and remembered. */
    run_log one = {.remember = 1};
    char *done = NULL;
    CHECK_RC(sign_in(config, start, NULL, NULL, &one, &done, NULL), COGNITO_SIGNIN_RESULT_OK);
    printf("1. SRP + TOTP + device: sent %s; asked %s\n", one.ops, one.asked);
    CHECK(strcmp(one.asked, "softwareTokenMfa rememberDevice") == 0);
    CHECK(strstr(one.ops, "InitiateAuth RespondToAuthChallenge RespondToAuthChallenge "
                          "ConfirmDevice UpdateDeviceStatus") != NULL);
    CHECK(strcmp(one.bodies, "PASSWORD_VERIFIER SOFTWARE_TOKEN_MFA") == 0);
    char *credentials = NULL;
    if (done) {
        span d = {done, strlen(done)}, c;
        char *status = json_path_str(d, "newDevice.status.type");
        CHECK(status && strcmp(status, "remembered") == 0);
        free(status);
        if (json_path(d, "newDevice.credentials", &c) && !json_is_null(c)) {
            credentials = xmalloc(c.n + 1);
            memcpy(credentials, c.p, c.n);
            credentials[c.n] = 0;
        }
        char *access = json_path_str(d, "tokens.accessToken");
        CHECK(access && strlen(access) > 20);
        free_secret(access);
    }
    CHECK(credentials != NULL);
    free_secret(done);
    done = NULL;

    /* 2. On the remembered device: no MFA question, device SRP; the caller's randomness. */
    char *device_key = NULL, *username = NULL, *refresh = NULL;
    if (credentials) {
        char with_device[8192];
        snprintf(with_device, sizeof with_device,
                 "{\"userPoolId\":\"%s\",\"clientId\":\"%s\",\"devices\":[%s]}", POOL, CLIENT,
                 credentials);
        urandom u = {fopen("/dev/urandom", "rb"), 0};
        CHECK(u.f != NULL);
        run_log two = {0};
        CHECK_RC(sign_in(with_device, start, from_urandom, &u, &two, &done, NULL),
                 COGNITO_SIGNIN_RESULT_OK);
        printf("2. remembered device: sent %s; challenges answered %s; asked \"%s\"; "
               "%zu random bytes from the callback\n",
               two.ops, two.bodies, two.asked, u.drawn);
        CHECK(strcmp(two.asked, "") == 0);
        CHECK(strcmp(two.bodies, "PASSWORD_VERIFIER DEVICE_SRP_AUTH DEVICE_PASSWORD_VERIFIER") ==
              0);
        CHECK(u.drawn > 0);
        if (u.f) fclose(u.f);
        explicit_bzero(with_device, sizeof with_device);
        if (done) {
            span d = {done, strlen(done)}, nd;
            CHECK(json_member(d, "newDevice", &nd) && json_is_null(nd));
            device_key = json_path_str(d, "deviceKey");
            username = json_path_str(d, "username");
            refresh = json_path_str(d, "tokens.refreshToken");
        }
        CHECK(device_key && username && refresh);
        free_secret(done);
        done = NULL;
    }

    /* 3. Refresh with the device's key. */
    if (device_key && username && refresh) {
        char *qr = json_quote(refresh, strlen(refresh)), *qu = json_quote(username, strlen(username)),
             *qd = json_quote(device_key, strlen(device_key));
        size_t n = strlen(qr) + strlen(qu) + strlen(qd) + 128;
        char *rstart = xmalloc(n);
        snprintf(rstart, n,
                 "{\"flow\":\"REFRESH_TOKEN_AUTH\",\"refreshToken\":%s,\"username\":%s,"
                 "\"deviceKey\":%s}",
                 qr, qu, qd);
        run_log three = {0};
        CHECK_RC(sign_in(config, rstart, NULL, NULL, &three, &done, NULL),
                 COGNITO_SIGNIN_RESULT_OK);
        printf("3. refresh: sent %s\n", three.ops);
        CHECK(strcmp(three.ops, "InitiateAuth") == 0);
        if (done) {
            span d = {done, strlen(done)};
            char *access = json_path_str(d, "tokens.accessToken");
            CHECK(access && strlen(access) > 20);
            free_secret(access);
        }
        free_secret(done);
        done = NULL;
        free_secret(rstart);
        free_secret(qr);
        free(qu);
        free(qd);
    }
    free_secret(credentials);
    free(device_key);
    free(username);
    free_secret(refresh);

    /* 4. A wrong code: the machine asks again, naming the service's error. */
    run_log four = {.wrong_codes_left = 1, .remember = 0};
    CHECK_RC(sign_in(config, start, NULL, NULL, &four, &done, NULL), COGNITO_SIGNIN_RESULT_OK);
    printf("4. wrong code: asked %s; previousError %s\n", four.asked,
           four.last_error_kind ? four.last_error_kind : "(none)");
    CHECK(strcmp(four.asked, "softwareTokenMfa softwareTokenMfa rememberDevice") == 0);
    CHECK(four.previous_errors == 1);
    CHECK(four.last_error_kind && strcmp(four.last_error_kind, "CodeMismatchException") == 0);
    if (done) {
        span d = {done, strlen(done)};
        char *status = json_path_str(d, "newDevice.status.type");
        CHECK(status && strcmp(status, "notRemembered") == 0);
        free(status);
    }
    free(four.last_error_kind);
    free_secret(done);
    done = NULL;

    /* 5. A wrong password: the service's error, as a code and as JSON; the sign-in is over. */
    char bad_start[256];
    snprintf(bad_start, sizeof bad_start,
             "{\"flow\":\"USER_SRP_AUTH\",\"username\":\"alice\",\"password\":\"Wrong-Horse-9\"}");
    run_log five = {0};
    cognito_signin_conversation *conv = NULL;
    CHECK_RC(sign_in(config, bad_start, NULL, NULL, &five, &done, &conv),
             COGNITO_SIGNIN_RESULT_SERVICE_ERROR);
    CHECK(done == NULL);
    char err[4096];
    size_t written = 0;
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)err, sizeof err, &written),
             COGNITO_SIGNIN_RESULT_OK);
    printf("5. wrong password: sent %s; error %s\n", five.ops, err);
    span e = {err, written};
    char *etype = json_path_str(e, "type"), *ekind = json_path_str(e, "kind");
    span status;
    CHECK(etype && strcmp(etype, "service") == 0);
    CHECK(ekind && strcmp(ekind, "NotAuthorizedException") == 0);
    CHECK(json_member(e, "status", &status) && status.n == 3 && memcmp(status.p, "400", 3) == 0);
    CHECK(strstr(err, "Wrong-Horse") == NULL);
    free(etype);
    free(ekind);
    bool finished = false;
    CHECK_RC(cognito_signin_conversation_is_finished(conv, &finished), COGNITO_SIGNIN_RESULT_OK);
    CHECK(finished);
    cognito_signin_step *step = NULL;
    const char *reply = "{\"status\":200,\"body\":\"{}\"}";
    CHECK_RC(cognito_signin_conversation_handle(conv, (const uint8_t *)reply, strlen(reply),
                                                (uint64_t)time(NULL), &step),
             COGNITO_SIGNIN_RESULT_ALREADY_FINISHED);
    CHECK(step == NULL);
    cognito_signin_conversation_free(conv);

    curl_global_cleanup();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("signin: all checks passed\n");
    return 0;
}
