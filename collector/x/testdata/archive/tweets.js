window.YTD.tweets.part0 = [
  {
    "tweet": {
      "edit_info": {
        "initial": {
          "editTweetIds": [
            "1818799999999999999"
          ],
          "editableUntil": "2024-07-31T22:10:00.000Z",
          "editsRemaining": "5",
          "isEditEligible": true
        }
      },
      "retweeted": false,
      "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities": {
        "hashtags": [],
        "symbols": [],
        "user_mentions": [
          {
            "name": "Some One",
            "screen_name": "someone",
            "indices": [
              "0",
              "8"
            ],
            "id_str": "42",
            "id": "42"
          }
        ],
        "urls": []
      },
      "display_text_range": [
        "0",
        "47"
      ],
      "favorite_count": "4",
      "in_reply_to_status_id_str": "1818790000000000000",
      "id_str": "1818799999999999999",
      "in_reply_to_user_id": "42",
      "truncated": false,
      "retweet_count": "0",
      "id": "1818799999999999999",
      "in_reply_to_status_id": "1818790000000000000",
      "created_at": "Wed Jul 31 21:10:00 +0000 2024",
      "favorited": false,
      "full_text": "@someone Agreed, that podium selfie was lovely",
      "lang": "en",
      "in_reply_to_screen_name": "someone",
      "in_reply_to_user_id_str": "42"
    }
  },
  {
    "tweet": {
      "retweeted": false,
      "entities": {
        "hashtags": [],
        "symbols": [],
        "user_mentions": [
          {
            "name": "PP Fan",
            "screen_name": "pingpongfan",
            "indices": [
              "3",
              "15"
            ],
            "id_str": "91000003",
            "id": "91000003"
          }
        ],
        "urls": []
      },
      "favorite_count": "0",
      "id_str": "1818780000000000001",
      "truncated": false,
      "retweet_count": "0",
      "id": "1818780000000000001",
      "created_at": "Wed Jul 31 20:00:00 +0000 2024",
      "favorited": false,
      "full_text": "RT @pingpongfan: Best selfie of the Games, no contest. Three flags, one phone 🤳 #Paris…",
      "lang": "en"
    }
  },
  {
    "tweet": {
      "retweeted": false,
      "entities": {
        "hashtags": [],
        "symbols": [],
        "user_mentions": [],
        "urls": [
          {
            "url": "https://t.co/NoteNote12",
            "expanded_url": "https://twitter.com/i/web/status/1818770000000000002",
            "display_url": "twitter.com/i/web/status/1…",
            "indices": [
              "256",
              "279"
            ]
          }
        ]
      },
      "favorite_count": "31",
      "id_str": "1818770000000000002",
      "truncated": false,
      "retweet_count": "6",
      "id": "1818770000000000002",
      "created_at": "Wed Jul 31 19:30:00 +0000 2024",
      "favorited": false,
      "full_text": "I have covered six Games and I cannot remember a picture that said more with less than the table tennis podium selfie in Paris. North and South Korea and China in one frame, one phone, three smiles. Sport at its best, and a reminder of why we stay up… https://t.co/NoteNote12",
      "lang": "en"
    }
  },
  {
    "tweet": {
      "retweeted": false,
      "entities": {
        "hashtags": [],
        "user_mentions": [],
        "urls": []
      },
      "favorite_count": "2",
      "id_str": "1818760000000000003",
      "truncated": false,
      "retweet_count": "1",
      "id": "1818760000000000003",
      "created_at": "Wed Jul 31 19:20:00 +0000 2024",
      "full_text": "卓球の写真、最高でした",
      "lang": "ja"
    }
  }
]