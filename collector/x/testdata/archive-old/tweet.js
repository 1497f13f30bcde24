window.YTD.tweet.part0 = [
  {
    "retweeted": false,
    "source": "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
    "entities": {
      "hashtags": [
        {
          "text": "Paris2024",
          "indices": [
            "20",
            "30"
          ]
        }
      ],
      "symbols": [],
      "user_mentions": [],
      "urls": []
    },
    "display_text_range": [
      "0",
      "30"
    ],
    "favorite_count": "12",
    "id_str": "1818750000000000004",
    "truncated": false,
    "retweet_count": "3",
    "id": "1818750000000000004",
    "created_at": "Wed Jul 31 19:15:00 +0000 2024",
    "favorited": false,
    "full_text": "Lovely podium moment #Paris2024",
    "lang": "en"
  },
  {
    "retweeted": false,
    "entities": {
      "hashtags": [],
      "symbols": [],
      "user_mentions": [],
      "urls": []
    },
    "favorite_count": "0",
    "id_str": "1818740000000000005",
    "truncated": false,
    "retweet_count": "0",
    "id": "1818740000000000005",
    "created_at": "Wed Jul 31 19:10:00 +0000 2024",
    "full_text": "合影 &amp; 友谊",
    "lang": "zh"
  }
]